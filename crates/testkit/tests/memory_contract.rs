//! The in-memory store keeps the store contract.

zinc_testkit::store_contract!(async { (zinc_testkit::MemoryStore::new().ports(), ()) });
