//! Small, dependency-free tail probabilities for the detectors: Poisson,
//! negative binomial (the Poisson with a Gamma-distributed rate, i.e. the
//! predictive distribution of a count whose rate was estimated from past
//! weeks) and binomial. Tails are summed from the observed value upwards in
//! log space, so tiny p-values (1e-12) keep their precision.

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        let s = (std::f64::consts::PI * x).sin();
        return std::f64::consts::PI.ln() - s.abs().ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Sums a tail from its first term, each next term being `ratio(i)` times
/// the previous one, until the terms stop mattering.
fn sum_tail(first_ln: f64, mut ratio: impl FnMut(u64) -> f64, start: u64, end: u64) -> f64 {
    let mut term = first_ln.exp();
    let mut sum = term;
    let mut i = start;
    while i < end && i < start + 1_000_000 {
        term *= ratio(i);
        sum += term;
        i += 1;
        if term < sum * 1e-17 || term == 0.0 {
            break;
        }
    }
    sum.min(1.0)
}

/// P(X ≥ k) for X ~ Poisson(lambda).
pub fn poisson_sf(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    let kf = k as f64;
    let first = kf * lambda.ln() - lambda - ln_gamma(kf + 1.0);
    sum_tail(first, |i| lambda / (i as f64 + 1.0), k, u64::MAX)
}

/// P(X ≥ k) for X ~ NegBin(r, p): the number of failures before the r-th
/// success, pmf Γ(k+r)/(Γ(r) k!) p^r (1−p)^k, mean r(1−p)/p.
pub fn neg_binomial_sf(k: u64, r: f64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if r <= 0.0 || p >= 1.0 {
        return 0.0;
    }
    let kf = k as f64;
    let first =
        ln_gamma(kf + r) - ln_gamma(r) - ln_gamma(kf + 1.0) + r * p.ln() + kf * (1.0 - p).ln();
    sum_tail(
        first,
        |i| (i as f64 + r) / (i as f64 + 1.0) * (1.0 - p),
        k,
        u64::MAX,
    )
}

/// P(X ≥ k) for X ~ Binomial(n, p).
pub fn binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || p <= 0.0 {
        return 0.0;
    }
    if p >= 1.0 {
        return 1.0;
    }
    let (kf, nf) = (k as f64, n as f64);
    let first = ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
        + kf * p.ln()
        + (nf - kf) * (1.0 - p).ln();
    sum_tail(
        first,
        |i| (nf - i as f64) / (i as f64 + 1.0) * p / (1.0 - p),
        k,
        n,
    )
}

/// P(X ≥ k) for X ~ BetaBinomial(n, a, b): a binomial count whose success
/// probability is Beta(a, b) — the predictive distribution of a count of
/// negatives among `n` when the share was estimated from past mentions.
pub fn beta_binomial_sf(k: u64, n: u64, a: f64, b: f64) -> f64 {
    if k == 0 {
        return 1.0;
    }
    if k > n || a <= 0.0 {
        return 0.0;
    }
    if b <= 0.0 {
        return 1.0;
    }
    let (kf, nf) = (k as f64, n as f64);
    let ln_beta = |x: f64, y: f64| ln_gamma(x) + ln_gamma(y) - ln_gamma(x + y);
    let first = ln_gamma(nf + 1.0) - ln_gamma(kf + 1.0) - ln_gamma(nf - kf + 1.0)
        + ln_beta(kf + a, nf - kf + b)
        - ln_beta(a, b);
    sum_tail(
        first,
        |i| {
            let i = i as f64;
            (nf - i) / (i + 1.0) * (i + a) / (nf - i - 1.0 + b)
        },
        k,
        n,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn gamma_matches_factorials() {
        for (n, fact) in [(1u64, 1.0f64), (5, 24.0), (10, 362_880.0)] {
            assert!(close(ln_gamma(n as f64).exp(), fact, 1e-10), "{n}");
        }
        assert!(close(
            ln_gamma(0.5).exp(),
            std::f64::consts::PI.sqrt(),
            1e-10
        ));
    }

    #[test]
    fn tails_match_direct_sums() {
        // P(X >= 3 | Poisson 1) = 1 - e^-1 (1 + 1 + 1/2)
        let direct = 1.0 - (-1.0f64).exp() * 2.5;
        assert!(close(poisson_sf(3, 1.0), direct, 1e-12));
        // Far tail keeps precision: P(X >= 30 | 5) ~ 2.8e-14.
        let p = poisson_sf(30, 5.0);
        assert!(p > 2.7e-14 && p < 2.9e-14, "{p}");
        // Binomial(10, 0.5): P(X >= 8) = (45 + 10 + 1) / 1024.
        assert!(close(binomial_sf(8, 10, 0.5), 56.0 / 1024.0, 1e-12));
        // NegBin(r=1, p): geometric, P(X >= k) = (1-p)^k.
        assert!(close(neg_binomial_sf(4, 1.0, 0.3), 0.7f64.powi(4), 1e-10));
        // NegBin tends to Poisson as r grows with the mean fixed.
        let (mean, r) = (6.0, 1e6);
        let p = r / (r + mean);
        assert!(close(neg_binomial_sf(14, r, p), poisson_sf(14, mean), 1e-3));
        // BetaBinomial(n, 1, 1) is uniform on 0..=n: P(X >= k) = (n-k+1)/(n+1).
        assert!(close(beta_binomial_sf(3, 9, 1.0, 1.0), 0.7, 1e-10));
        // It tends to the binomial as a + b grows with the mean fixed.
        let bb = beta_binomial_sf(8, 10, 0.5e7, 0.5e7);
        assert!(close(bb, 56.0 / 1024.0, 1e-4), "{bb}");
    }
}
