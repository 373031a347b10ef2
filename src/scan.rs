//! scan orchestration
