//! The in-memory key store keeps the key contract.

zinc_testkit::key_contract!(async { (zinc_testkit::MemoryKeys::new().key_ports(), ()) });
