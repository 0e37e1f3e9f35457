//! Seeding and the few distributions the generator needs, kept here so that every module draws
//! the same way and output depends only on (seed, LA, year, stream).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Independent random streams, one per part of the generator, so that switching a part off
/// (attendance, for example) never changes what the other parts draw.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Schools = 1,
    Characteristics = 2,
    Identity = 3,
    Events = 4,
    Timeline = 5,
    Attendance = 6,
    Provision = 7,
    Wellbeing = 8,
}

/// A ChaCha8 generator for one LA-year and one stream, seeded from the user's seed.
pub fn rng_for(seed: u64, la: u16, year: i32, stream: Stream) -> ChaCha8Rng {
    let mixed = splitmix(seed ^ splitmix(u64::from(la) << 32 | (year as u32 as u64)));
    let mut rng = ChaCha8Rng::seed_from_u64(mixed);
    rng.set_stream(stream as u64);
    rng
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A Poisson draw (Knuth's method for small means, a rounded normal for large ones).
pub fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + mean.sqrt() * normal(rng)).round().max(0.0) as u32;
    }
    let limit = (-mean).exp();
    let mut k = 0;
    let mut p = rng.gen::<f64>();
    while p > limit {
        k += 1;
        p *= rng.gen::<f64>();
    }
    k
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut impl Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-300);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A log-normal draw with mean 1 and log-scale spread `sigma`.
pub fn lognormal_mean_one(rng: &mut impl Rng, sigma: f64) -> f64 {
    (sigma * normal(rng) - sigma * sigma / 2.0).exp()
}

/// Pick from `(item, weight)` pairs.
pub fn pick<'a, T>(rng: &mut impl Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen::<f64>() * total;
    for (item, w) in items {
        if x < *w {
            return item;
        }
        x -= w;
    }
    &items[items.len() - 1].0
}
