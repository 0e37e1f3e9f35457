//! waymark-web
