//! Carts, just enough for sign-in: PWA Studio creates the customer's cart and merges the guest
//! cart into it right after `generateCustomerToken`. The mock keeps no items, prices or
//! addresses; a cart is a masked id (32 characters `[A-Za-z0-9]`, like Magento's) and its owner.

use std::collections::{HashMap, VecDeque};

/// Guest carts kept at most; beyond it the oldest guest cart is dropped, so a load test that
/// creates guest carts forever keeps the mock's memory flat (**mock decision**: Magento keeps
/// quotes in the database until a cron job cleans them).
pub(crate) const MAX_GUEST_CARTS: usize = 10_000;

/// One cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cart {
    /// The masked id storefronts use (`cart_id`).
    pub id: String,
    /// `None`: a guest cart.
    pub customer_id: Option<u64>,
}

/// Why a cart operation failed (Magento's messages are built by the operations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CartError {
    /// No active cart has this masked id.
    NotFound(String),
    /// The cart belongs to someone else.
    NotYours(String),
}

/// Every active cart by masked id, and each customer's active cart.
#[derive(Debug, Default)]
pub(crate) struct Carts {
    by_id: HashMap<String, Cart>,
    of_customer: HashMap<u64, String>,
    /// Guest cart ids, oldest first (some may be merged away already).
    guests: VecDeque<String>,
}

impl Carts {
    /// A new guest cart with the given masked id.
    pub(crate) fn create_guest(&mut self, id: String) -> Cart {
        let cart = Cart {
            id: id.clone(),
            customer_id: None,
        };
        self.by_id.insert(id.clone(), cart.clone());
        self.guests.push_back(id);
        while self.guests.len() > MAX_GUEST_CARTS {
            if let Some(oldest) = self.guests.pop_front() {
                if self.by_id.get(&oldest).is_some_and(|c| c.customer_id.is_none()) {
                    self.by_id.remove(&oldest);
                }
            }
        }
        cart
    }

    /// The customer's active cart; `new_id` becomes its id when the customer has none.
    pub(crate) fn customer_cart(&mut self, customer_id: u64, new_id: String) -> Cart {
        if let Some(id) = self.of_customer.get(&customer_id) {
            if let Some(c) = self.by_id.get(id) {
                return c.clone();
            }
        }
        let cart = Cart {
            id: new_id.clone(),
            customer_id: Some(customer_id),
        };
        self.by_id.insert(new_id.clone(), cart.clone());
        self.of_customer.insert(customer_id, new_id);
        cart
    }

    /// Carts held (guest and customer).
    #[cfg(any(test, feature = "test-support"))]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Drops a deleted customer's active cart.
    pub(crate) fn forget_customer(&mut self, customer_id: u64) {
        if let Some(id) = self.of_customer.remove(&customer_id) {
            self.by_id.remove(&id);
        }
    }

    /// An active cart the caller (`customer_id`, `None` for a guest) may use.
    pub(crate) fn get(&self, id: &str, customer_id: Option<u64>) -> Result<Cart, CartError> {
        let cart = self
            .by_id
            .get(id)
            .ok_or_else(|| CartError::NotFound(id.to_string()))?;
        match cart.customer_id {
            Some(owner) if Some(owner) != customer_id => Err(CartError::NotYours(id.to_string())),
            _ => Ok(cart.clone()),
        }
    }

    /// Merges the guest cart `source` into the customer's cart `destination`: the source is
    /// deactivated (it has no items to move) and the destination returned.
    pub(crate) fn merge(&mut self, source: &str, destination: &str, customer_id: u64) -> Result<Cart, CartError> {
        let src = self.get(source, Some(customer_id))?;
        let dst = self.get(destination, Some(customer_id))?;
        if dst.customer_id != Some(customer_id) {
            return Err(CartError::NotYours(destination.to_string()));
        }
        if src.id != dst.id {
            self.by_id.remove(&src.id);
        }
        Ok(dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_carts_are_bounded_oldest_first() {
        let mut carts = Carts::default();
        for i in 0..MAX_GUEST_CARTS + 2 {
            carts.create_guest(format!("g{i}"));
        }
        assert_eq!(carts.get("g0", None), Err(CartError::NotFound("g0".into())));
        assert_eq!(carts.get("g1", None), Err(CartError::NotFound("g1".into())));
        assert!(carts.get("g2", None).is_ok());
        assert!(carts.get(&format!("g{}", MAX_GUEST_CARTS + 1), None).is_ok());
    }

    #[test]
    fn a_customer_keeps_one_active_cart() {
        let mut carts = Carts::default();
        let first = carts.customer_cart(1, "a".into());
        assert_eq!(carts.customer_cart(1, "b".into()), first);
        assert_eq!(carts.customer_cart(2, "c".into()).id, "c");
    }

    #[test]
    fn merging_deactivates_the_guest_cart() {
        let mut carts = Carts::default();
        carts.create_guest("guest".into());
        carts.customer_cart(1, "mine".into());
        assert_eq!(carts.merge("guest", "mine", 1).unwrap().id, "mine");
        assert_eq!(carts.get("guest", None), Err(CartError::NotFound("guest".into())));
    }

    #[test]
    fn another_customers_cart_is_refused() {
        let mut carts = Carts::default();
        carts.create_guest("guest".into());
        carts.customer_cart(2, "theirs".into());
        assert_eq!(
            carts.merge("guest", "theirs", 1),
            Err(CartError::NotYours("theirs".into()))
        );
        assert_eq!(carts.get("guest", Some(1)).unwrap().customer_id, None);
    }
}
