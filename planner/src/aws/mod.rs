//! The live AWS catalog: `faultline catalog refresh` reads prices, instance types,
//! zones and offerings from the EC2 API and merges them into the base catalog.

pub mod refresh;
