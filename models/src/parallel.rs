//! Independent work on every core, merged in a fixed order: the optimizer's service
//! solves and the failure model's entity sums. Each item's result depends on the item
//! alone (work budgets, not time, end a solve), so the output is the same whatever the
//! number of threads or the order they finish in.

use std::num::NonZeroUsize;

/// `f` applied to every item, results in the items' order, items spread over up to
/// one thread per core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    let mut out: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                scope.spawn(move || {
                    items
                        .iter()
                        .enumerate()
                        .skip(w)
                        .step_by(threads)
                        .map(|(i, item)| (i, f(item)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            match h.join() {
                Ok(done) => {
                    for (i, r) in done {
                        out[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    out.into_iter().flatten().collect()
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
