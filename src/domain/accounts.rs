//! Every customer of a store, by id and by e-mail address.
//!
//! Both maps are persistent (`imbl`): cloning [`Accounts`] costs O(1) and the clone shares
//! every record until one side changes it (copy on write, one record and one tree path at a
//! time). That is what makes a reset, or a new sandbox, cost nothing however many customers
//! the fixtures have: the fixtures hold the loaded accounts once, and each store's live state
//! starts as a clone of them.
//!
//! The e-mail index (a sorted list from the load, and a persistent tree of later changes)
//! maps a hash of the address, ignoring ASCII case (Magento's collation),
//! to the ids with that hash; a lookup hashes the submitted string without allocating and
//! compares the candidates' addresses. It holds no copy of any address.

use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;

use imbl::OrdMap;

use super::customer::Customer;

/// The ids whose address has one hash (almost always one).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ids {
    One(u64),
    Many(Arc<[u64]>),
}

impl Ids {
    fn as_slice(&self) -> &[u64] {
        match self {
            Ids::One(id) => std::slice::from_ref(id),
            Ids::Many(ids) => ids,
        }
    }
}

/// The e-mail index: address hash → ids.
///
/// The addresses indexed in bulk (a fixtures load) are one sorted list of (hash, id), shared
/// by every clone: 16 bytes an address, where a persistent tree filled in order (its leaves
/// split in halves) took about three times that. Later changes go to a persistent tree of the
/// hashes whose ids changed, which overrides the list for those hashes.
#[derive(Debug, Clone, Default)]
struct EmailIndex {
    base: Arc<Vec<(u64, u64)>>,
    /// The ids of a changed hash (`None`: none left of the list's).
    changed: OrdMap<u64, Option<Ids>>,
}

impl EmailIndex {
    /// The first id with this hash that `wanted` accepts.
    fn find(&self, hash: u64, mut wanted: impl FnMut(u64) -> bool) -> Option<u64> {
        if let Some(ids) = self.changed.get(&hash) {
            return ids.as_ref()?.as_slice().iter().copied().find(|id| wanted(*id));
        }
        let start = self.base.partition_point(|(h, _)| *h < hash);
        self.base[start..]
            .iter()
            .take_while(|(h, _)| *h == hash)
            .map(|(_, id)| *id)
            .find(|id| wanted(*id))
    }

    fn ids(&self, hash: u64) -> Vec<u64> {
        let mut ids = Vec::new();
        self.find(hash, |id| {
            ids.push(id);
            false
        });
        ids
    }

    fn in_base(&self, hash: u64) -> bool {
        self.base.binary_search_by_key(&hash, |(h, _)| *h).is_ok()
    }

    fn set(&mut self, hash: u64, ids: Vec<u64>) {
        let ids = match ids.as_slice() {
            [] => None,
            [one] => Some(Ids::One(*one)),
            _ => Some(Ids::Many(ids.into())),
        };
        if ids.is_none() && !self.in_base(hash) {
            self.changed.remove(&hash);
        } else {
            self.changed.insert(hash, ids);
        }
    }

    fn add(&mut self, hash: u64, id: u64) {
        let mut ids = self.ids(hash);
        ids.push(id);
        self.set(hash, ids);
    }

    fn drop_id(&mut self, hash: u64, id: u64) {
        let mut ids = self.ids(hash);
        ids.retain(|i| *i != id);
        self.set(hash, ids);
    }

    /// Indexes many at once: the sorted list, when nothing is indexed yet.
    fn add_all(&mut self, mut entries: Vec<(u64, u64)>) {
        if !(self.base.is_empty() && self.changed.is_empty()) {
            for (hash, id) in entries {
                self.add(hash, id);
            }
            return;
        }
        entries.sort_unstable();
        entries.shrink_to_fit();
        self.base = Arc::new(entries);
    }
}

/// The customers of one store.
#[derive(Debug, Clone)]
pub(crate) struct Accounts {
    by_id: OrdMap<u64, Arc<Customer>>,
    by_email: EmailIndex,
    hasher: foldhash::fast::RandomState,
    /// The id the next new account gets. Like Magento's auto-increment it never goes back, so
    /// a deleted customer's id (and the revocations recorded under it) is never reused.
    next_id: u64,
}

impl Default for Accounts {
    fn default() -> Self {
        Accounts {
            by_id: OrdMap::new(),
            by_email: EmailIndex::default(),
            // Randomly seeded (no crafted collisions); clones keep the seed, so every store
            // sharing this index hashes alike.
            hasher: foldhash::fast::RandomState::default(),
            next_id: 1,
        }
    }
}

impl Accounts {
    pub(crate) fn email_hash(&self, email: &str) -> u64 {
        // Lower-cased a piece at a time into one write each (a write per byte cost some 600
        // instructions an address); the same address in any case has the same pieces.
        let mut h = self.hasher.build_hasher();
        let mut lower = [0u8; 64];
        for piece in email.as_bytes().chunks(lower.len()) {
            let lower = &mut lower[..piece.len()];
            lower.copy_from_slice(piece);
            lower.make_ascii_lowercase();
            h.write(lower);
        }
        h.finish()
    }

    pub(crate) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The id of the account with this address, ignoring ASCII case.
    pub(crate) fn find_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.find(self.email_hash(email), |id| {
            self.by_id
                .get(&id)
                .is_some_and(|c| c.email.eq_ignore_ascii_case(email))
        })
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Customer> {
        self.by_id.get(&id).map(|c| &**c)
    }

    /// The record, to change it: copied first if another store (or the fixtures) shares it.
    /// The e-mail address must not be changed through it (see [`Accounts::set_email`]).
    pub(crate) fn get_mut(&mut self, id: u64) -> Option<&mut Customer> {
        self.by_id.get_mut(&id).map(Arc::make_mut)
    }

    /// Adds an account under its own id (which must be new), keeping `next_id` past it.
    pub(crate) fn insert(&mut self, customer: Customer) {
        let (id, hash) = (customer.id, self.email_hash(&customer.email));
        self.next_id = self.next_id.max(id + 1);
        self.index(hash, id);
        self.by_id.insert(id, Arc::new(customer));
    }

    /// Adds an account under its own new id without indexing its address yet; `hash` is its
    /// [`Accounts::email_hash`], and (hash, id) goes, with the others of the load, to
    /// [`Accounts::index_all`].
    ///
    /// The e-mail index is keyed by a hash, so indexing accounts one by one inserts at random
    /// places of its tree: with a million fixture customers most of the load went to cache
    /// misses in those lookups. Sorted first, they make the index's list in one go.
    pub(crate) fn insert_unindexed_hashed(&mut self, customer: Customer, hash: u64) {
        debug_assert_eq!(hash, self.email_hash(&customer.email));
        let id = customer.id;
        self.next_id = self.next_id.max(id + 1);
        self.by_id.insert(id, Arc::new(customer));
    }

    /// [`Accounts::insert_unindexed_hashed`], hashing the address; returns (hash, id).
    #[cfg(test)]
    pub(crate) fn insert_unindexed(&mut self, customer: Customer) -> (u64, u64) {
        let (id, hash) = (customer.id, self.email_hash(&customer.email));
        self.insert_unindexed_hashed(customer, hash);
        (hash, id)
    }

    /// Indexes the addresses of accounts added by [`Accounts::insert_unindexed_hashed`].
    pub(crate) fn index_all(&mut self, entries: Vec<(u64, u64)>) {
        self.by_email.add_all(entries);
    }

    /// Takes the next id (Magento's auto-increment).
    pub(crate) fn allocate_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    fn index(&mut self, hash: u64, id: u64) {
        self.by_email.add(hash, id);
    }

    fn unindex(&mut self, hash: u64, id: u64) {
        self.by_email.drop_id(hash, id);
    }

    /// Changes the address of an account, keeping the index right.
    pub(crate) fn set_email(&mut self, id: u64, email: &str) {
        let Some(old) = self.get(id).map(|c| self.email_hash(&c.email)) else {
            return;
        };
        let new = self.email_hash(email);
        if let Some(c) = self.get_mut(id) {
            c.email = email.into();
        }
        if old != new {
            self.unindex(old, id);
            self.index(new, id);
        }
    }

    pub(crate) fn remove(&mut self, id: u64) -> Option<Arc<Customer>> {
        let c = self.by_id.remove(&id)?;
        let hash = self.email_hash(&c.email);
        self.unindex(hash, id);
        Some(c)
    }

    /// Every account, by id, as the shared records.
    pub(crate) fn shared(&self) -> impl Iterator<Item = &Arc<Customer>> {
        self.by_id.values()
    }

    /// Every account, by id.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Customer> {
        self.by_id.values().map(|c| &**c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::customer::NewCustomer;

    fn customer(id: u64, email: &str) -> Customer {
        let n = NewCustomer {
            email: email.into(),
            firstname: "F".into(),
            lastname: "L".into(),
            ..NewCustomer::default()
        };
        Customer::new_account(id, &n, None, 0)
    }

    #[test]
    fn lookup_ignores_ascii_case_only() {
        let mut a = Accounts::default();
        a.insert(customer(1, "Roni@Example.com"));
        a.insert(customer(2, "jØrgen@example.com"));
        assert_eq!(a.find_by_email("roni@example.COM"), Some(1));
        assert_eq!(a.find_by_email("jØrgen@EXAMPLE.com"), Some(2));
        assert_eq!(a.find_by_email("jøRGEN@example.com"), None);
        assert_eq!(a.find_by_email("nobody@example.com"), None);
    }

    #[test]
    fn a_bulk_load_indexes_every_address_and_keeps_the_next_id_past_them() {
        let mut a = Accounts::default();
        let entries: Vec<_> = (1..=2000)
            .rev()
            .map(|id| a.insert_unindexed(customer(id, &format!("Customer-{id}@Example.com"))))
            .collect();
        assert_eq!(a.find_by_email("customer-7@example.com"), None, "not indexed yet");
        a.index_all(entries);
        assert_eq!(a.len(), 2000);
        for id in [1, 7, 1999, 2000] {
            assert_eq!(a.find_by_email(&format!("CUSTOMER-{id}@example.COM")), Some(id));
        }
        assert_eq!(a.find_by_email("customer-2001@example.com"), None);
        assert_eq!(a.allocate_id(), 2001);
    }

    #[test]
    fn a_clone_shares_records_until_one_side_changes_one() {
        let mut base = Accounts::default();
        base.insert(customer(1, "a@example.com"));
        base.insert(customer(2, "b@example.com"));
        let mut store = base.clone();
        store.get_mut(1).unwrap().firstname = "Changed".into();
        store.set_email(2, "c@example.com");
        store.remove(1);
        assert_eq!(base.get(1).unwrap().firstname, "F");
        assert_eq!(base.find_by_email("b@example.com"), Some(2));
        assert_eq!(store.find_by_email("b@example.com"), None);
        assert_eq!(store.find_by_email("c@example.com"), Some(2));
        assert_eq!(store.get(1), None);
        assert_eq!((base.len(), store.len()), (2, 1));
    }

    #[test]
    fn the_bulk_index_takes_changes_and_clones_keep_their_own() {
        let mut base = Accounts::default();
        let entries: Vec<_> = (1..=100)
            .map(|id| base.insert_unindexed(customer(id, &format!("c{id}@example.com"))))
            .collect();
        base.index_all(entries);
        let mut store = base.clone();
        store.set_email(7, "moved@example.com");
        store.remove(8);
        store.insert(customer(101, "c8@example.com"));
        // A second id under a hash of the list.
        let h = store.email_hash("c9@example.com");
        store.by_id.insert(102, Arc::new(customer(102, "c9-twin@example.com")));
        store.index(h, 102);
        assert_eq!(store.by_email.ids(h), [9, 102]);
        assert_eq!(store.find_by_email("c9@example.com"), Some(9));
        assert_eq!(store.find_by_email("C7@example.com"), None);
        assert_eq!(store.find_by_email("moved@example.com"), Some(7));
        assert_eq!(store.find_by_email("c8@example.com"), Some(101));
        store.remove(101);
        assert_eq!(store.find_by_email("c8@example.com"), None);
        for (id, email) in [(7, "c7@example.com"), (8, "c8@example.com"), (100, "c100@example.com")] {
            assert_eq!(base.find_by_email(email), Some(id), "the fixtures keep theirs");
        }
        assert_eq!(base.find_by_email("moved@example.com"), None);
    }

    #[test]
    fn ids_are_never_reused() {
        let mut a = Accounts::default();
        a.insert(customer(5, "a@example.com"));
        assert_eq!(a.allocate_id(), 6);
        a.remove(5);
        assert_eq!(a.allocate_id(), 7);
    }

    #[test]
    fn addresses_with_one_hash_are_told_apart() {
        let mut a = Accounts::default();
        // Force a collision by indexing two ids under one hash.
        a.insert(customer(1, "a@example.com"));
        let h = a.email_hash("a@example.com");
        let mut b = customer(2, "b@example.com");
        b.email = "b@example.com".into();
        a.by_id.insert(2, Arc::new(b));
        a.index(h, 2);
        assert_eq!(a.find_by_email("a@example.com"), Some(1));
        a.unindex(h, 1);
        assert_eq!(a.find_by_email("a@example.com"), None);
        assert_eq!(a.by_email.ids(h), [2]);
    }
}
