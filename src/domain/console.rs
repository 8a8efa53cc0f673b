//! What the web console and its control routes (`/__mock/customers`) need from the domain:
//! a snapshot of each customer's sign-in state, and the operator actions lock, unlock and
//! confirm. Nothing here is reachable from GraphQL or REST; the rules of spec 4–6 are untouched.
//! Each method takes the one state lock once, like the rest of [`Domain`].

use super::{Customer, Domain};

/// One customer's sign-in state at a moment of the mock's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerState {
    pub id: u64,
    pub email: String,
    pub firstname: String,
    pub lastname: String,
    pub confirmed: bool,
    /// Unix seconds, while a lockout lasts; `None` when not locked (or the lock has expired).
    pub locked_until: Option<i64>,
    /// The lockout counter (`failures_num`).
    pub failures: u32,
    pub allow_remote_shopping_assistance: bool,
    pub has_password: bool,
    /// When the customer's live admin one-time code expires; `None` without a live code.
    pub otc_expires_at: Option<i64>,
}

/// An operator action on one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConsoleAction {
    /// Locks for `lockout_minutes` from now, with the counter at `lockout_failures`, as if the
    /// customer had just failed too often.
    Lock,
    /// Clears the lock and the counter (Magento's admin "Unlock").
    Unlock,
    /// Marks the account confirmed and drops its confirmation key, without the key.
    Confirm,
    AllowAssistance,
    DenyAssistance,
}

impl CustomerState {
    fn of(c: &Customer, now: i64) -> CustomerState {
        CustomerState {
            id: c.id,
            email: c.email.to_string(),
            firstname: c.firstname.to_string(),
            lastname: c.lastname.to_string(),
            confirmed: c.confirmed,
            locked_until: c.lock_expires().filter(|t| *t > now),
            failures: c.failures_num,
            allow_remote_shopping_assistance: c.allow_remote_shopping_assistance,
            has_password: c.has_password(),
            otc_expires_at: c.otc().filter(|s| s.is_live(now)).map(|s| s.expires_at),
        }
    }
}

/// One page of the customer listing (`GET /__mock/customers?q=&page=&size=`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CustomerPage {
    /// Customers that match, on every page.
    pub total: usize,
    /// This page's customers, by id.
    pub customers: Vec<CustomerState>,
}

/// True when `haystack` contains `needle` ignoring case; `needle` is lower case already.
/// ASCII needles (the usual search for an email or a name) are compared byte by byte without
/// allocating: an ASCII byte never occurs inside a multi-byte UTF-8 character.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    if !needle.is_ascii() {
        return haystack.to_lowercase().contains(needle);
    }
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else {
        return true;
    };
    // Jump from one occurrence of the first byte (either case) to the next, SIMD-fast.
    let mut from = 0;
    while h.len() - from >= n.len() {
        let Some(at) = memchr::memchr2(first, first.to_ascii_uppercase(), &h[from..=h.len() - n.len()])
        else {
            return false;
        };
        let start = from + at;
        if h[start + 1..start + n.len()].eq_ignore_ascii_case(rest) {
            return true;
        }
        from = start + 1;
    }
    false
}

impl Domain {
    /// One page of the customers, by id: those whose email, first or last name contains `q`
    /// ignoring case (every customer when `q` is empty), `size` of them from page `page`
    /// (from 1; a page past the end is empty).
    ///
    /// Without `q` the total is the map's size and the page is a walk of `page × size`
    /// entries of the id-ordered map: the first page costs the same with 6 customers or
    /// 100 000. With `q` every customer is tested, without copying any but the page's, so the
    /// total is exact (a substring test of three short fields: about a millisecond per
    /// 100 000 customers).
    pub(crate) fn customer_page(&self, q: &str, page: usize, size: usize) -> CustomerPage {
        let now = self.clock.now();
        let skip = page.saturating_sub(1).saturating_mul(size);
        let st = self.state();
        if q.is_empty() {
            return CustomerPage {
                total: st.accounts.len(),
                customers: st
                    .accounts
                    .iter()
                    .skip(skip)
                    .take(size)
                    .map(|c| CustomerState::of(c, now))
                    .collect(),
            };
        }
        let needle = q.to_lowercase();
        let mut total = 0;
        let mut customers = Vec::new();
        for c in st.accounts.iter() {
            let hit = contains_ignoring_case(&c.email, &needle)
                || contains_ignoring_case(&c.firstname, &needle)
                || contains_ignoring_case(&c.lastname, &needle);
            if hit {
                if total >= skip && customers.len() < size {
                    customers.push(CustomerState::of(c, now));
                }
                total += 1;
            }
        }
        CustomerPage { total, customers }
    }

    /// Every customer's state, by id.
    #[cfg(test)]
    pub fn customer_states(&self) -> Vec<CustomerState> {
        let now = self.clock.now();
        let st = self.state();
        st.accounts.iter().map(|c| CustomerState::of(c, now)).collect()
    }

    /// One customer's state; `None` when there is no such customer.
    pub fn customer_state(&self, id: u64) -> Option<CustomerState> {
        let now = self.clock.now();
        let st = self.state();
        st.accounts.get(id).map(|c| CustomerState::of(c, now))
    }

    /// Applies an operator action; `None` when there is no such customer. Every action is
    /// idempotent and answers the customer's state afterwards.
    pub(crate) fn console_action(&self, id: u64, action: ConsoleAction) -> Option<CustomerState> {
        let now = self.clock.now();
        let mut st = self.state();
        let (max, minutes) = (st.settings.lockout_failures, st.settings.lockout_minutes);
        let c = st.accounts.get_mut(id)?;
        match action {
            ConsoleAction::Lock => c.lock_now(now, max, minutes),
            ConsoleAction::Unlock => c.reset_failures(),
            ConsoleAction::Confirm => c.confirm(),
            ConsoleAction::AllowAssistance => c.allow_remote_shopping_assistance = true,
            ConsoleAction::DenyAssistance => c.allow_remote_shopping_assistance = false,
        }
        c.touch(now);
        Some(CustomerState::of(c, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AcceptedSecrets, Clock, Fixtures, SignInError};

    const T0: i64 = 1_767_225_600;
    const SAAS: AcceptedSecrets = AcceptedSecrets {
        password: true,
        reset_token: true,
        otc: true,
    };

    fn domain() -> Domain {
        Domain::new(Fixtures::embedded_default(), Clock::virtual_at(T0))
    }

    #[test]
    fn pages_and_searches_of_the_listing() {
        let d = domain();
        let ids = |p: &CustomerPage| p.customers.iter().map(|c| c.id).collect::<Vec<_>>();
        let p = d.customer_page("", 1, 4);
        assert_eq!((p.total, ids(&p)), (6, vec![1, 2, 3, 4]));
        let p = d.customer_page("", 2, 4);
        assert_eq!((p.total, ids(&p)), (6, vec![5, 6]));
        assert_eq!(ids(&d.customer_page("", 3, 4)), Vec::<u64>::new());
        // Email, first or last name, ignoring case.
        let p = d.customer_page("EXAMPLE.COM", 2, 2);
        assert_eq!((p.total, ids(&p)), (6, vec![3, 4]));
        assert_eq!(ids(&d.customer_page("veronica", 1, 50)), vec![1]);
        assert_eq!(ids(&d.customer_page("LOBLAW", 1, 50)), vec![6]);
        let p = d.customer_page("nobody-has-this", 1, 50);
        assert_eq!((p.total, p.customers.len()), (0, 0));
        assert!(contains_ignoring_case("Jürgen", "jür"));
        assert!(contains_ignoring_case("ÉLODIE", "élo"));
        assert!(contains_ignoring_case("abcABCabd", "abd"));
        assert!(contains_ignoring_case("x", ""));
        assert!(!contains_ignoring_case("ab", "abc"));
        assert!(!contains_ignoring_case("aaaa", "ab"));
        assert!(
            contains_ignoring_case("Ångström-AB", "-ab"),
            "ASCII needle, non-ASCII text"
        );
    }

    #[test]
    fn states_show_locks_confirmation_and_live_codes() {
        let d = domain();
        let states = d.customer_states();
        assert_eq!(states.len(), 6);
        let locked = d.customer_state(4).unwrap();
        assert_eq!((locked.locked_until, locked.failures), (Some(4_102_444_800), 10));
        assert!(!d.customer_state(3).unwrap().confirmed);
        assert!(!d.customer_state(5).unwrap().has_password);
        d.issue_otc(2, 1).unwrap();
        assert_eq!(d.customer_state(2).unwrap().otc_expires_at, Some(T0 + 30));
        d.clock().advance(30);
        assert_eq!(d.customer_state(2).unwrap().otc_expires_at, None);
    }

    #[test]
    fn lock_unlock_and_confirm_change_what_sign_in_answers() {
        let mut f = Fixtures::embedded_default();
        f.settings.confirmation_required = true;
        let d = Domain::new(f, Clock::virtual_at(T0));
        let s = d.console_action(1, ConsoleAction::Lock).unwrap();
        assert_eq!((s.locked_until, s.failures), (Some(T0 + 600), 10));
        assert_eq!(
            d.sign_in("roni_cost@example.com", "Roni-Cost-2024", SAAS),
            Err(SignInError::Locked)
        );
        let s = d.console_action(1, ConsoleAction::Unlock).unwrap();
        assert_eq!((s.locked_until, s.failures), (None, 0));
        assert!(d.sign_in("roni_cost@example.com", "Roni-Cost-2024", SAAS).is_ok());

        assert_eq!(
            d.sign_in("unconfirmed@example.com", "Unconfirmed-2024", SAAS),
            Err(SignInError::NotConfirmed)
        );
        assert!(d.console_action(3, ConsoleAction::Confirm).unwrap().confirmed);
        assert!(d
            .sign_in("unconfirmed@example.com", "Unconfirmed-2024", SAAS)
            .is_ok());
        assert_eq!(d.console_action(99, ConsoleAction::Confirm), None);
    }

    #[test]
    fn assistance_flag_decides_whether_a_code_can_be_issued() {
        let d = domain();
        assert!(d.issue_otc(1, 1).is_err());
        assert!(
            d.console_action(1, ConsoleAction::AllowAssistance)
                .unwrap()
                .allow_remote_shopping_assistance
        );
        assert!(d.issue_otc(1, 1).is_ok());
        d.console_action(1, ConsoleAction::DenyAssistance).unwrap();
        assert!(d.issue_otc(1, 1).is_err());
    }
}
