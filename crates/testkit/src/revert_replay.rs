//! The property every store keeps when imports are reverted: after any sequence of imports,
//! corrections and reverts, the store holds what a fresh store holds after importing again
//! only the imports still in effect, in their order (same orders, items and products).
//!
//! A revert that is refused (a later import holds some of the same sales) changes nothing and
//! leaves the imports in effect as they were. Reverting a revert puts its import back in effect.
//!
//! The files generated date the new sales of the n-th import on the n-th day, so that each
//! import writes every new sale it names and its prices outrank those of earlier imports (the
//! conditions under which putting back the replaced versions and importing again agree, see the
//! README's "Undo an import"). An import may also restate stored sales unchanged, copying the
//! lines that stored them: it writes nothing for them, yet holds them.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{Days, NaiveDate};
use proptest::prelude::*;
use rust_decimal::Decimal;
use zinc_domain::{ImportId, ImportMode, ImportSource, ImportStatus};
use zinc_ports::{NotRevertible, RevertError, RevertRequest};

use crate::contract::{StorePorts, everything, file, fixed_now, import, whole_order};

const PRODUCTS: [&str; 3] = ["Water", "Snack", "Club rental"];
const PRICES: [&str; 3] = ["1", "2.5", "20"];

/// One line of a generated sale: product, price, quantity (indexes into the lists above).
#[derive(Debug, Clone)]
pub struct GenLine {
    product: usize,
    price: usize,
    quantity: u32,
}

/// A generated sale.
#[derive(Debug, Clone)]
pub struct GenSale {
    sale_id: u32,
    golf: bool,
    lines: Vec<GenLine>,
}

/// A step: import a file of sales, or revert the n-th recorded import or revert (modulo how
/// many there are).
#[derive(Debug, Clone)]
pub enum Step {
    /// Imports these sales (Sale IDs 1 to 6, so later files correct earlier ones), and
    /// restates unchanged those of the `restated` Sale IDs stored and not among them. A file
    /// that would be empty is not imported.
    Import {
        /// The sales written.
        sales: Vec<GenSale>,
        /// The Sale IDs restated as stored.
        restated: Vec<u32>,
    },
    /// Reverts an earlier import or revert.
    Revert(usize),
}

fn a_line() -> impl Strategy<Value = GenLine> {
    (0..PRODUCTS.len(), 0..PRICES.len(), 1u32..=3).prop_map(|(product, price, quantity)| GenLine {
        product,
        price,
        quantity,
    })
}

fn a_sale() -> impl Strategy<Value = GenSale> {
    (
        1u32..=6,
        any::<bool>(),
        prop::collection::vec(a_line(), 1..=2),
    )
        .prop_map(|(sale_id, golf, lines)| GenSale {
            sale_id,
            golf,
            lines,
        })
}

/// A step: imports twice as often as reverts; about half the imports restate stored sales.
pub fn a_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => (
            prop::collection::vec(a_sale(), 0..=4),
            prop_oneof![Just(Vec::new()), prop::collection::vec(1u32..=6, 1..=3)],
        )
            .prop_map(|(sales, restated)| Step::Import { sales, restated }),
        1 => (0usize..8).prop_map(Step::Revert),
    ]
}

/// A sequence of steps.
pub fn steps(max: usize) -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(a_step(), 1..=max)
}

/// The rows of `sale` in the `n`-th import, dated the `n`-th day.
fn rows_of(n: usize, sale: &GenSale) -> Vec<String> {
    let date = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date") + Days::new(n as u64);
    let location = if sale.golf {
        "Golf - experience"
    } else {
        "Online Store"
    };
    sale.lines
        .iter()
        .map(|line| {
            let price: Decimal = PRICES[line.price].parse().expect("a price");
            let subtotal = price * Decimal::from(line.quantity);
            format!(
                "{date},7,{sale},{product},---,,{location},,---,---,{price},{quantity},\
                 {subtotal},0,0,0,{subtotal},{subtotal},Cash",
                date = date.format("%-m/%-d/%Y"),
                sale = sale.sale_id,
                product = PRODUCTS[line.product],
                quantity = line.quantity,
            )
        })
        .collect()
}

/// The sales of the `n`-th import: one per Sale ID, the last named.
fn unique(sales: &[GenSale]) -> BTreeMap<u32, &GenSale> {
    sales.iter().map(|s| (s.sale_id, s)).collect()
}

/// How the line of sale `id` in [`contents`] begins.
fn on_sale(id: u32) -> String {
    format!("sale {id} on ")
}

/// What a store holds, without the numbers and times a store gives: each order with its items
/// (product by name) and each product with its price.
pub async fn contents(ports: &StorePorts) -> (Vec<String>, Vec<String>) {
    let mut orders = Vec::new();
    for order in everything(ports).await {
        let whole = whole_order(ports, order.id).await.expect("listed");
        let o = &whole.order;
        let items: Vec<String> = whole
            .items
            .iter()
            .map(|i| {
                format!(
                    "{} {} {}x{} = {}",
                    i.position,
                    i.product_name.as_str(),
                    i.quantity.get(),
                    i.unit_price,
                    i.total
                )
            })
            .collect();
        orders.push(format!(
            "{}{} at {}: {} [{}]",
            on_sale(o.sale_id.get() as u32),
            o.date,
            o.location.as_str(),
            o.total,
            items.join("; ")
        ));
    }
    let mut products: Vec<String> = ports
        .catalog
        .list_products(
            &zinc_domain::ProductFilter::default(),
            zinc_domain::Page::new(500, 0).expect("a page"),
        )
        .await
        .expect("products")
        .items
        .iter()
        .map(|p| format!("{} at {}", p.name.as_str(), p.price))
        .collect();
    products.sort();
    (orders, products)
}

/// What was recorded: an import of the n-th file, or a revert.
#[derive(Debug, Clone, Copy)]
enum Record {
    Import(usize),
    Revert,
}

/// Runs `steps` on a store from `fresh`, and after each compares it with a replay of the
/// imports in effect on another store from `fresh`; `check` runs on both after each step
/// (say, that the figures agree with the orders). Panics on the first difference.
pub async fn check_steps<F, Fut, K>(steps: &[Step], fresh: F, check: impl AsyncFn(&K))
where
    F: Fn() -> Fut,
    Fut: Future<Output = (StorePorts, K)>,
{
    let (main, main_keep) = fresh().await;
    let ports = &main;
    let mut files: Vec<String> = Vec::new();
    // The rows that stored each order as `contents` shows it: what restating it copies.
    let mut rows_storing: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut records: Vec<(ImportId, Record)> = Vec::new();
    // Which record reverted which.
    let mut reverted_by: BTreeMap<ImportId, ImportId> = BTreeMap::new();
    let request = RevertRequest {
        requested_by: None,
        source: ImportSource::Cli,
        at: fixed_now(),
    };
    for (index, step) in steps.iter().enumerate() {
        match step {
            Step::Import { sales, restated } => {
                let n = files.len();
                let written = unique(sales);
                let (stored, _) = contents(ports).await;
                let mut rows: Vec<String> =
                    written.values().flat_map(|sale| rows_of(n, sale)).collect();
                let restated: std::collections::BTreeSet<&u32> = restated.iter().collect();
                for id in restated {
                    if !written.contains_key(id)
                        && let Some(order) = stored.iter().find(|o| o.starts_with(&on_sale(*id)))
                    {
                        rows.extend(rows_storing[order].iter().cloned());
                    }
                }
                if rows.is_empty() {
                    continue;
                }
                let text = file(&rows);
                let report = import(ports, &text, ImportMode::Strict).await;
                assert_eq!(report.status, ImportStatus::Succeeded, "{report:?}");
                let (stored, _) = contents(ports).await;
                for (id, sale) in &written {
                    if let Some(order) = stored.iter().find(|o| o.starts_with(&on_sale(*id))) {
                        rows_storing.insert(order.clone(), rows_of(n, sale));
                    }
                }
                records.push((report.id, Record::Import(n)));
                files.push(text);
            }
            Step::Revert(pick) => {
                if records.is_empty() {
                    continue;
                }
                let (target, _) = records[pick % records.len()];
                let before = contents(ports).await;
                match ports.reverts.revert(target, &request).await {
                    Ok(done) => {
                        reverted_by.insert(target, done.revert);
                        records.push((done.revert, Record::Revert));
                    }
                    Err(
                        RevertError::Conflict { .. }
                        | RevertError::AlreadyReverted { .. }
                        | RevertError::NotRevertible(
                            _,
                            NotRevertible::PriceFromReverted(_) | NotRevertible::NameTaken { .. },
                        ),
                    ) => {
                        assert_eq!(contents(ports).await, before, "a refusal changes nothing");
                    }
                    Err(other) => panic!("step {index}: reverting {target}: {other:?}"),
                }
            }
        }
        // The imports in effect: not reverted, or reverted by a revert not in effect.
        fn in_effect(id: ImportId, reverted_by: &BTreeMap<ImportId, ImportId>) -> bool {
            match reverted_by.get(&id) {
                None => true,
                Some(revert) => !in_effect(*revert, reverted_by),
            }
        }
        let (replayed, keep) = fresh().await;
        for (id, record) in &records {
            if let Record::Import(n) = record
                && in_effect(*id, &reverted_by)
            {
                import(&replayed, &files[*n], ImportMode::Strict).await;
            }
        }
        assert_eq!(
            contents(ports).await,
            contents(&replayed).await,
            "after step {index} ({step:?}); records {records:?}"
        );
        check(&main_keep).await;
        check(&keep).await;
    }
}
