//! Reports written from case outcomes: Autobahn's JSON layout (index.json
//! and one file per case) and the terminal conformance table.

pub mod autobahn;
pub mod table;
