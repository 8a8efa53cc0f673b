//! Placeholder of the operations API (the real one lands from branch `domain`).
use std::sync::Arc;

use crate::domain::{Auth, Domain};
use crate::graphql::{Engine, Schema};
use crate::profile::Profile;

pub struct RequestCtx {
    pub domain: Arc<Domain>,
    pub profile: Profile,
    pub auth: Auth,
}

pub fn build_engine(_profile: Profile) -> Engine<RequestCtx> {
    Engine::new(Schema::from_sdl("type Query { a: String }").expect("placeholder schema"))
}
