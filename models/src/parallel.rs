//! Independent work on every core, merged in a fixed order: the optimizer's service
//! solves and the failure model's entity sums. Each item's result depends on the item
//! alone (work budgets, not time, end a solve), so the output is the same whatever the
//! number of threads or the order they finish in.

use rayon::prelude::*;

/// `f` applied to every item, results in the items' order. Items go to whichever core
/// is free (work stealing, so one long item does not hold the rest back, and a map
/// inside another shares the same threads).
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let f = &f;
    items.par_iter().map(f).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order() {
        let items: Vec<u64> = (0..37).collect();
        let got = super::map(&items, |x| x * x);
        assert_eq!(got, items.iter().map(|x| x * x).collect::<Vec<_>>());
    }
}
