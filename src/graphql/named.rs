//! The two by-name lists the engine passes around instead of serde_json maps: a request's raw
//! variables and a field's coerced arguments.
//!
//! serde_json's map (with `preserve_order`, which the answers need) hashes every key with SipHash
//! and keeps an index beside its entries. An operation declares a few variables and a field has a
//! few arguments, so a list searched in order finds them for less than the hash of one key.

use std::borrow::Cow;

use compact_str::CompactString;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Beyond this many variables the raw variables move into a hash map, so that a request sending
/// thousands of them cannot make each look-up (or each repeated name) a walk of the whole list.
const MOST_LISTED: usize = 16;

/// The `variables` of a request, as JSON gave them: a repeated name keeps its first place and
/// takes its last value, as when read into a JSON map.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawVariables {
    /// Up to [`MOST_LISTED`] names, in the order first given; names of up to 24 bytes (a
    /// variable's name nearly always) held inline, not allocated.
    Listed(Vec<(CompactString, Value)>),
    /// More: a JSON map.
    Mapped(Map<String, Value>),
}

impl Default for RawVariables {
    fn default() -> Self {
        RawVariables::Listed(Vec::new())
    }
}

impl RawVariables {
    /// The value given for `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        match self {
            RawVariables::Listed(list) => list.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            RawVariables::Mapped(map) => map.get(name),
        }
    }

    /// Sets `name` to `value`, in place when it was given already.
    pub(crate) fn insert(&mut self, name: CompactString, value: Value) {
        match self {
            RawVariables::Listed(list) => {
                if let Some((_, v)) = list.iter_mut().find(|(n, _)| *n == name) {
                    *v = value;
                } else if list.len() < MOST_LISTED {
                    list.push((name, value));
                } else {
                    let mut map: Map<String, Value> =
                        std::mem::take(list).into_iter().map(|(n, v)| (n.into_string(), v)).collect();
                    map.insert(name.into_string(), value);
                    *self = RawVariables::Mapped(map);
                }
            }
            RawVariables::Mapped(map) => {
                map.insert(name.into_string(), value);
            }
        }
    }

    /// The names and values in the order first given.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> Box<dyn Iterator<Item = (&str, &Value)> + '_> {
        match self {
            RawVariables::Listed(list) => Box::new(list.iter().map(|(n, v)| (n.as_str(), v))),
            RawVariables::Mapped(map) => Box::new(map.iter().map(|(n, v)| (n.as_str(), v))),
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        match self {
            RawVariables::Listed(list) => list.len(),
            RawVariables::Mapped(map) => map.len(),
        }
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Map<String, Value>> for RawVariables {
    fn from(map: Map<String, Value>) -> Self {
        let mut out = RawVariables::default();
        for (name, value) in map {
            out.insert(name.into(), value);
        }
        out
    }
}

impl<'de> Deserialize<'de> for RawVariables {
    /// A JSON object's members, read as serde_json reads them into a map (the values are
    /// `serde_json::Value`s, the same JSON accepted and refused).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = RawVariables;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawVariables, A::Error> {
                let mut out = RawVariables::default();
                while let Some((name, value)) = map.next_entry::<CompactString, Value>()? {
                    out.insert(name, value);
                }
                Ok(out)
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// A field's coerced arguments, by the names the schema gives them (each at most once), in the
/// schema's order; absent optional arguments absent. A value that is a variable's, or the
/// schema's default, unchanged is borrowed from where it is, not copied.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Args<'s>(Vec<(&'s str, Cow<'s, Value>)>);

impl<'s> Args<'s> {
    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| &**v)
    }

    pub(crate) fn push(&mut self, name: &'s str, value: Cow<'s, Value>) {
        self.0.push((name, value));
    }
}

impl std::ops::Index<&str> for Args<'_> {
    type Output = Value;
    fn index(&self, name: &str) -> &Value {
        const NULL: &Value = &Value::Null;
        self.get(name).unwrap_or(NULL)
    }
}

impl<'s> FromIterator<(&'s str, Value)> for Args<'s> {
    fn from_iter<I: IntoIterator<Item = (&'s str, Value)>>(items: I) -> Self {
        Args(items.into_iter().map(|(n, v)| (n, Cow::Owned(v))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same answers as the JSON map it replaces, for any object with repeated names,
        /// below and above the listed size.
        #[test]
        fn raw_variables_read_like_a_json_map(
            members in proptest::collection::vec(("[a-e]{1,2}", 0i64..5), 0..40),
        ) {
            let text = format!(
                "{{{}}}",
                members.iter().map(|(n, v)| format!("\"{n}\":{v}")).collect::<Vec<_>>().join(",")
            );
            let map: Map<String, Value> = serde_json::from_str(&text).unwrap();
            let raw: RawVariables = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(raw.len(), map.len());
            let listed: Vec<(&str, &Value)> = raw.iter().collect();
            let mapped: Vec<(&str, &Value)> = map.iter().map(|(n, v)| (n.as_str(), v)).collect();
            prop_assert_eq!(listed, mapped);
            for name in ["a", "b", "ab", "ee", "z"] {
                prop_assert_eq!(raw.get(name), map.get(name));
            }
            prop_assert_eq!(RawVariables::from(map.clone()).iter().count(), map.len());
        }
    }

    #[test]
    fn raw_variables_refuse_what_is_not_an_object_and_what_is_not_json() {
        assert!(serde_json::from_str::<RawVariables>("[1]").is_err());
        assert!(serde_json::from_str::<RawVariables>(r#""x""#).is_err());
        assert!(serde_json::from_str::<RawVariables>(r#"{"a":}"#).is_err());
        assert!(serde_json::from_str::<RawVariables>("{}").unwrap().is_empty());
    }

    #[test]
    fn many_variables_move_into_a_map() {
        let text = format!(
            "{{{}}}",
            (0..10_000).map(|i| format!("\"v{i}\":{i}")).collect::<Vec<_>>().join(",")
        );
        let raw: RawVariables = serde_json::from_str(&text).unwrap();
        assert!(matches!(raw, RawVariables::Mapped(_)));
        assert_eq!(raw.get("v9999"), Some(&Value::from(9999)));
        assert_eq!(raw.len(), 10_000);
    }
}
