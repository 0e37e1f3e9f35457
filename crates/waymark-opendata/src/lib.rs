//! waymark-opendata
