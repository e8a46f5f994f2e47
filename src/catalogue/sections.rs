//! The registry of sections: every section the catalogue holds, in the
//! order tables list them. Selection, listing, reports and the drivers read
//! it; a section is one value (`SECTION` in its own file) and one line here.

use super::Case;

/// What runs a section's cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Driver {
    /// Frames on an opened connection: the session engine, in both roles.
    Frames,
    /// The opening handshake itself (`engine::opening`).
    Opening,
    /// WebSockets over HTTP/2, frame by frame (`engine::rfc8441`).
    Http2,
}

/// A section of the catalogue.
pub struct Section {
    /// The ID prefix: `1` for 1.1.1, `hs` for hs.1.1.
    pub prefix: &'static str,
    /// The title tables give it.
    pub title: &'static str,
    /// Whether `*` takes it: Autobahn's sections, so that `*` keeps meaning
    /// Autobahn's 517; wsspec's own are taken only by a pattern naming them.
    pub in_star: bool,
    /// What runs its cases. Which roles a case tests is the case's own
    /// (`Case::roles`).
    pub driver: Driver,
    /// Its cases, in catalogue order.
    pub cases: fn() -> Vec<Case>,
}

/// Every section, in table order.
pub const SECTIONS: &[Section] = &[
    super::s1_framing::SECTION,
    super::s2_pings::SECTION,
    super::s3_reserved_bits::SECTION,
    super::s4_opcodes::SECTION,
    super::s5_fragmentation::SECTION,
    super::s6_utf8::SECTION,
    super::s7_close::SECTION,
    super::s9_limits::SECTION,
    super::s10_misc::SECTION,
    super::s12_compression::SECTION_12,
    super::s12_compression::SECTION_13,
    super::opening::SECTION,
    super::h2_bootstrap::SECTION,
];

/// The section an ID belongs to, with its place in the registry; None for
/// a custom case.
pub fn of(id: &str) -> Option<(usize, &'static Section)> {
    let prefix = id.split('.').next().unwrap_or("");
    SECTIONS.iter().enumerate().find(|(_, s)| s.prefix == prefix)
}
