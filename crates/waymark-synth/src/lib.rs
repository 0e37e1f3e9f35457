//! waymark-synth
