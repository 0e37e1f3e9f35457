//! waymark-analytics
