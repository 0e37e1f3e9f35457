//! waymark-store
