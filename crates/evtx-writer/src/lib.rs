//! EVTX writer
