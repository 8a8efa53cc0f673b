//! Property-based checks (proptest): generated inputs, invariants checked against the target,
//! shrinking to a minimal failing case, seeded so a failure can be replayed with `--seed`.

use super::event::Status;
use super::scenarios::{Need, RunState};
use super::target::Target;
use crate::profile::Profile;

/// What a property runs with.
pub struct PropCtx<'a> {
    pub t: &'a Target,
    pub run: &'a RunState,
    pub cases: u32,
    pub seed: u64,
    pub replay: String,
}

/// One property of the catalogue.
pub struct Property {
    pub name: &'static str,
    pub description: &'static str,
    pub profiles: &'static [Profile],
    pub needs: &'static [Need],
    pub run: fn(&PropCtx) -> Status,
}

impl Property {
    pub fn skip_reason(&self, t: &Target) -> Option<String> {
        let sc = super::scenarios::Scenario {
            name: self.name,
            area: super::scenarios::Area::Properties,
            description: self.description,
            profiles: self.profiles,
            needs: self.needs,
            source: file!(),
            run: |_| Ok(()),
        };
        sc.skip_reason(t)
    }
}

pub fn catalogue() -> Vec<Property> {
    Vec::new()
}
