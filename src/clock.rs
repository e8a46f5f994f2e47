//! The wall clock as reports write it.

use std::time::SystemTime;

/// Now, in RFC 3339 with milliseconds (UTC), as Autobahn's reports stamp
/// a case's start.
pub fn utc_now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}
