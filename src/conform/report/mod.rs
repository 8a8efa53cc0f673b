//! Reporters: human (progress and summary), JUnit XML, JSON.

pub mod human;
pub mod json;
pub mod junit;

use super::event::Record;

/// Group records by area, in area order, keeping run order inside an area.
pub fn by_area(records: &[Record]) -> Vec<(super::scenarios::Area, Vec<&Record>)> {
    let mut areas: Vec<_> = records.iter().map(|r| r.area).collect();
    areas.sort();
    areas.dedup();
    areas
        .into_iter()
        .map(|a| (a, records.iter().filter(|r| r.area == a).collect()))
        .collect()
}
