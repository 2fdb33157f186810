//! The solver boundary: a small column/row model that the formulations build, that
//! every backend solves, and that the checks and brute force evaluate.

/// A column: a count (or a continuous amount) with its bounds and its cost.
#[derive(Debug, Clone, PartialEq)]
pub struct Col {
    pub lb: f64,
    /// The model's own upper bound; `f64::INFINITY` when only the cost bounds it.
    pub ub: f64,
    pub integer: bool,
    /// Objective coefficient (USD/month per unit), never negative.
    pub cost: f64,
}

/// `Σ coef·x ≥ rhs`. A `≤` row is stored negated.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub coefs: Vec<(usize, f64)>,
    pub rhs: f64,
    /// A row the native solver adds only once a point violates it (spot-pool losses:
    /// one per pool, binding only where a pool is used). Every backend honours it;
    /// the others are simply given every row.
    pub lazy: bool,
}

/// A minimisation problem over columns with non-negative costs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MilpModel {
    pub cols: Vec<Col>,
    pub rows: Vec<Row>,
}

impl MilpModel {
    pub fn add_col(&mut self, lb: f64, ub: f64, integer: bool, cost: f64) -> usize {
        self.cols.push(Col {
            lb,
            ub,
            integer,
            cost,
        });
        self.cols.len() - 1
    }

    pub fn geq(&mut self, coefs: Vec<(usize, f64)>, rhs: f64) {
        self.rows.push(Row {
            coefs,
            rhs,
            lazy: false,
        });
    }

    pub fn leq(&mut self, coefs: Vec<(usize, f64)>, rhs: f64) {
        let coefs = coefs.into_iter().map(|(i, c)| (i, -c)).collect();
        self.geq(coefs, -rhs);
    }

    /// Marks the last row lazy.
    pub fn lazy(&mut self) {
        if let Some(r) = self.rows.last_mut() {
            r.lazy = true;
        }
    }

    pub fn objective(&self, x: &[f64]) -> f64 {
        self.cols.iter().zip(x).map(|(c, v)| c.cost * v).sum()
    }

    /// Whether `x` meets every row and bound within `tol` (relative to the row's size).
    pub fn feasible(&self, x: &[f64], tol: f64) -> bool {
        let bounds = self
            .cols
            .iter()
            .zip(x)
            .all(|(c, v)| *v >= c.lb - tol && *v <= c.ub + tol);
        bounds && self.rows.iter().all(|r| row_ok(r, x, tol))
    }

    pub fn integers(&self) -> usize {
        self.cols.iter().filter(|c| c.integer).count()
    }
}

/// Whether `x` meets one row within `tol` relative to the row's size.
pub fn row_ok(r: &Row, x: &[f64], tol: f64) -> bool {
    let lhs: f64 = r.coefs.iter().map(|(i, c)| c * x[*i]).sum();
    let size = r
        .coefs
        .iter()
        .map(|(i, c)| (c * x[*i]).abs())
        .fold(r.rhs.abs(), f64::max);
    lhs >= r.rhs - tol * (1.0 + size)
}
