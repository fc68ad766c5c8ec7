//! The local classifier's use cases (issue 4).
