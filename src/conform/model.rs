//! The reference model (in progress).
