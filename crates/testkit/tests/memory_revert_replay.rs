//! The in-memory store: after any imports, corrections and reverts, it holds what a replay of
//! the imports still in effect gives.

use proptest::prelude::*;
use zinc_testkit::MemoryStore;
use zinc_testkit::revert_replay::{check_steps, steps};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn reverts_leave_what_a_replay_of_the_imports_in_effect_gives(steps in steps(10)) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(check_steps(
            &steps,
            || async { (MemoryStore::new().ports(), ()) },
            async |_: &()| {},
        ));
    }
}
