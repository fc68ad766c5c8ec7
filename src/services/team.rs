//! Presence, notifications, routing settings and contact profiles (issue 4).
