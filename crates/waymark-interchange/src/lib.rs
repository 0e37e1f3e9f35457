//! waymark-interchange
