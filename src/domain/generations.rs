//! The fixture sets a [`Domain`](super::Domain) has served, newest last, so that
//! `serve --watch` can replace the fixtures while handlers hold `&Settings` or `&AdminUser`
//! borrowed from the domain.
//!
//! Each generation is appended once and never moved or freed before the domain is dropped, so
//! a reference taken from an older generation stays valid (it simply describes the fixtures as
//! they were when the request started). The list only grows on a reload of the fixtures file,
//! a developer action: a few kilobytes per saved edit.

use std::sync::OnceLock;

use super::Fixtures;

/// An append-only list of fixture sets; [`FixtureGenerations::latest`] is the one in force.
#[derive(Debug)]
pub(super) struct FixtureGenerations {
    fixtures: Fixtures,
    next: OnceLock<Box<FixtureGenerations>>,
}

impl FixtureGenerations {
    pub(super) fn new(fixtures: Fixtures) -> Self {
        FixtureGenerations {
            fixtures,
            next: OnceLock::new(),
        }
    }

    /// The newest fixture set.
    pub(super) fn latest(&self) -> &Fixtures {
        &self.last().fixtures
    }

    fn last(&self) -> &FixtureGenerations {
        let mut generation = self;
        while let Some(next) = generation.next.get() {
            generation = next;
        }
        generation
    }

    /// Appends `fixtures` as the newest set and returns it. Callers serialize pushes (the
    /// domain pushes under its state lock); a lost race would only retry on the new last one.
    pub(super) fn push(&self, fixtures: Fixtures) -> &Fixtures {
        let mut pending = Box::new(FixtureGenerations::new(fixtures));
        loop {
            match self.last().next.set(pending) {
                Ok(()) => return self.latest(),
                Err(back) => pending = back,
            }
        }
    }
}

impl Drop for FixtureGenerations {
    /// Drops the chain iteratively, so a long watch session cannot overflow the stack.
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(mut generation) = next {
            next = generation.next.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_generation_is_in_force_and_old_borrows_stay_valid() {
        let first = Fixtures::embedded_default();
        let mut second = first.clone();
        second.settings.otc_ttl_seconds = 99;
        let generations = FixtureGenerations::new(first);
        let old = &generations.latest().settings;
        generations.push(second);
        assert_eq!(old.otc_ttl_seconds, 30);
        assert_eq!(generations.latest().settings.otc_ttl_seconds, 99);
        for n in 0..5000 {
            let mut f = Fixtures::embedded_default();
            f.settings.otc_ttl_seconds = n + 1;
            generations.push(f);
        }
        assert_eq!(generations.latest().settings.otc_ttl_seconds, 5000);
    }
}
