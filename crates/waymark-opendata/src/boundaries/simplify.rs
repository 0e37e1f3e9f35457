//! Visvalingam–Whyatt simplification that keeps neighbouring LAs fitting together.
//!
//! Visvalingam–Whyatt (1993) repeatedly removes the vertex whose triangle with its two neighbours (its "effective
//! area") is smallest, until every remaining vertex carries at least the threshold area. Unlike Douglas–Peucker
//! it removes wiggles by the area they contribute, which is what the eye notices on a small map.
//!
//! Simplifying each LA's rings on their own would remove different vertices on the two sides of a shared border,
//! leaving slivers and overlaps between neighbours. So rings are first cut into *arcs* at the vertices where the
//! set of rings sharing a border changes (junctions of three LAs, or where a border meets the coast). Each arc is
//! simplified once, with its end points fixed, and every ring that uses it gets the same vertices back. A ring
//! with no junctions (an island, or an enclave and the matching hole in its surrounding county) is one closed arc,
//! simplified cyclically from a canonical starting vertex and direction so both sides match.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::shapefile::Point;

/// A vertex on the centimetre grid. Neighbouring polygons in ONS and DfE files share vertices exactly up to
/// floating-point noise, so snapping to centimetres makes shared vertices compare equal.
type Key = (i64, i64);

/// Centimetres per metre: the snapping grid.
const GRID: f64 = 100.0;

fn key(point: Point) -> Key {
    ((point.0 * GRID).round() as i64, (point.1 * GRID).round() as i64)
}

fn point(key: Key) -> Point {
    (key.0 as f64 / GRID, key.1 as f64 / GRID)
}

/// Simplify the rings of every feature together, so shared borders stay shared.
///
/// `features[f][r]` is ring `r` of feature `f` (closed or not). `threshold_m2` is the effective area, in square
/// metres, below which a vertex is removed. Every returned ring is closed and has at least 4 points (3 distinct);
/// rings that are degenerate in the input (fewer than 3 distinct vertices) are dropped.
pub fn simplify_features(features: &[Vec<Vec<Point>>], threshold_m2: f64) -> Vec<Vec<Vec<Point>>> {
    let rings: Vec<(usize, Vec<Key>)> = features
        .iter()
        .enumerate()
        .flat_map(|(f, rings)| rings.iter().map(move |ring| (f, open_ring(ring))))
        .filter(|(_, ring)| ring.len() >= 3)
        .collect();
    let topology = Topology::new(rings.iter().map(|(_, ring)| ring.as_slice()));
    let mut cache = ArcCache { threshold: threshold_m2 * GRID * GRID, arcs: HashMap::new() };
    let mut out = vec![Vec::new(); features.len()];
    for (feature, ring) in &rings {
        let simplified = match topology.breaks(ring) {
            breaks if breaks.is_empty() => cache.closed(ring),
            breaks => cache.ring_from_arcs(ring, &breaks),
        };
        if distinct_len(&simplified) >= 3 {
            out[*feature].push(close(&simplified));
        }
    }
    out
}

/// Simplify one ring on its own (no neighbours): cyclic Visvalingam–Whyatt keeping at least 3 distinct vertices.
pub fn simplify_ring(ring: &[Point], threshold_m2: f64) -> Vec<Point> {
    simplify_features(&[vec![ring.to_vec()]], threshold_m2).pop().and_then(|mut f| f.pop()).unwrap_or_default()
}

/// The ring on the grid without its closing point and without repeated consecutive vertices.
fn open_ring(ring: &[Point]) -> Vec<Key> {
    let mut keys: Vec<Key> = ring.iter().map(|&p| key(p)).collect();
    keys.dedup();
    while keys.len() > 1 && keys.first() == keys.last() {
        keys.pop();
    }
    keys
}

fn close(ring: &[Key]) -> Vec<Point> {
    ring.iter().chain(ring.first()).map(|&k| point(k)).collect()
}

fn distinct_len(ring: &[Key]) -> usize {
    let mut sorted = ring.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.len()
}

/// Which rings use each edge and each vertex, to find where arcs begin and end.
struct Topology {
    edges: HashMap<(Key, Key), Vec<usize>>,
    vertices: HashMap<Key, Vec<usize>>,
}

impl Topology {
    fn new<'a>(rings: impl Iterator<Item = &'a [Key]>) -> Topology {
        let mut topology = Topology { edges: HashMap::new(), vertices: HashMap::new() };
        for (id, ring) in rings.enumerate() {
            for (i, &a) in ring.iter().enumerate() {
                let b = ring[(i + 1) % ring.len()];
                push_unique(topology.edges.entry(edge(a, b)).or_default(), id);
                push_unique(topology.vertices.entry(a).or_default(), id);
            }
        }
        topology
    }

    /// Indices of the ring's vertices where an arc must end: the rings sharing the edge before and the edge after
    /// differ, or three or more rings meet at the vertex.
    fn breaks(&self, ring: &[Key]) -> Vec<usize> {
        let n = ring.len();
        (0..n)
            .filter(|&i| {
                let (prev, here, next) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
                self.edges[&edge(prev, here)] != self.edges[&edge(here, next)] || self.vertices[&here].len() >= 3
            })
            .collect()
    }
}

fn edge(a: Key, b: Key) -> (Key, Key) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

fn push_unique(ids: &mut Vec<usize>, id: usize) {
    if ids.last() != Some(&id) && !ids.contains(&id) {
        ids.push(id);
    }
}

/// Simplified arcs by canonical vertex sequence, so an arc shared by two rings is simplified exactly once.
struct ArcCache {
    /// Effective-area threshold in square centimetres (the grid unit).
    threshold: f64,
    arcs: HashMap<Vec<Key>, Vec<Key>>,
}

impl ArcCache {
    /// Rebuild a ring from its arcs between consecutive break vertices, each simplified with fixed ends.
    fn ring_from_arcs(&mut self, ring: &[Key], breaks: &[usize]) -> Vec<Key> {
        let n = ring.len();
        let mut out = Vec::new();
        for (b, &start) in breaks.iter().enumerate() {
            let end = breaks[(b + 1) % breaks.len()];
            let span = (end + n - start) % n;
            let span = if span == 0 { n } else { span };
            let arc: Vec<Key> = (0..=span).map(|i| ring[(start + i) % n]).collect();
            let simplified = self.open(&arc);
            out.extend_from_slice(&simplified[..simplified.len() - 1]);
        }
        out
    }

    /// An open arc, ends fixed, looked up in its canonical direction (the lexicographically smaller one).
    fn open(&mut self, arc: &[Key]) -> Vec<Key> {
        let reversed: Vec<Key> = arc.iter().rev().copied().collect();
        let forward = arc <= reversed.as_slice();
        let canonical = if forward { arc.to_vec() } else { reversed };
        let threshold = self.threshold;
        let simplified = self.arcs.entry(canonical).or_insert_with_key(|c| visvalingam(c, threshold, false)).clone();
        if forward {
            simplified
        } else {
            simplified.into_iter().rev().collect()
        }
    }

    /// A ring with no break vertex: simplified cyclically, starting from its smallest vertex in the smaller
    /// direction, so an enclave and the hole it fills get identical vertices; returned in the ring's orientation.
    fn closed(&mut self, ring: &[Key]) -> Vec<Key> {
        let start = (0..ring.len()).min_by_key(|&i| ring[i]).expect("ring has vertices");
        let n = ring.len();
        let forward: Vec<Key> = (0..n).map(|i| ring[(start + i) % n]).collect();
        let backward: Vec<Key> = (0..n).map(|i| ring[(start + n - i) % n]).collect();
        let is_forward = forward <= backward;
        let canonical = if is_forward { forward } else { backward };
        let threshold = self.threshold;
        let simplified = self.arcs.entry(canonical).or_insert_with_key(|c| visvalingam(c, threshold, true)).clone();
        if is_forward {
            simplified
        } else {
            // Undo [s0, s(n-1), ..., s1]: keep the start, reverse the rest.
            simplified[..1].iter().chain(simplified[1..].iter().rev()).copied().collect()
        }
    }
}

/// Twice the signed area of triangle (a, b, c), computed from differences so large grid values stay exact.
fn triangle_area(a: Key, b: Key, c: Key) -> f64 {
    let (abx, aby) = ((b.0 - a.0) as f64, (b.1 - a.1) as f64);
    let (acx, acy) = ((c.0 - a.0) as f64, (c.1 - a.1) as f64);
    (abx * acy - aby * acx).abs() / 2.0
}

/// Visvalingam–Whyatt on one polyline.
///
/// `closed`: the points form a cycle (no closing duplicate) and any vertex may go, down to 3; otherwise the ends
/// are fixed and at least one interior vertex is kept, so a ring made of two arcs still has 3 distinct vertices.
/// Removal order uses a min-heap with lazy deletion; ties break on the vertex index, so output is deterministic.
/// A neighbour's recomputed area never drops below the area just removed (the usual monotonic rule), so the
/// threshold means "every vertex removed contributed less than this".
fn visvalingam(points: &[Key], threshold: f64, closed: bool) -> Vec<Key> {
    let n = points.len();
    // An open arc that starts and ends on the same vertex (a ring with one junction) needs two interior vertices.
    let loop_arc = !closed && points.first() == points.last();
    let (min_left, first, last) = if closed { (3, 0, n) } else { (3 + usize::from(loop_arc), 1, n.saturating_sub(1)) };
    if n <= min_left {
        return points.to_vec();
    }
    let mut line = Linked::new(n, closed);
    let mut areas = vec![f64::INFINITY; n];
    let mut heap = BinaryHeap::new();
    for i in first..last {
        areas[i] = triangle_area(points[line.prev[i]], points[i], points[line.next[i]]);
        heap.push(Reverse((areas[i].to_bits(), i)));
    }
    let mut left = n;
    while let Some(Reverse((bits, i))) = heap.pop() {
        if line.removed[i] || bits != areas[i].to_bits() {
            continue;
        }
        if areas[i] >= threshold || left <= min_left {
            break;
        }
        let removed_area = areas[i];
        let (p, q) = line.remove(i);
        left -= 1;
        for j in [p, q] {
            if (closed || (j != 0 && j != n - 1)) && !line.removed[j] {
                let area = triangle_area(points[line.prev[j]], points[j], points[line.next[j]]);
                areas[j] = area.max(removed_area);
                heap.push(Reverse((areas[j].to_bits(), j)));
            }
        }
    }
    (0..n).filter(|&i| !line.removed[i]).map(|i| points[i]).collect()
}

/// A doubly linked list over indices, for O(1) vertex removal.
struct Linked {
    prev: Vec<usize>,
    next: Vec<usize>,
    removed: Vec<bool>,
}

impl Linked {
    fn new(n: usize, closed: bool) -> Linked {
        let prev = (0..n).map(|i| if closed { (i + n - 1) % n } else { i.saturating_sub(1) }).collect();
        let next = (0..n).map(|i| if closed { (i + 1) % n } else { (i + 1).min(n - 1) }).collect();
        Linked { prev, next, removed: vec![false; n] }
    }

    /// Unlink `i`, returning its former neighbours.
    fn remove(&mut self, i: usize) -> (usize, usize) {
        let (p, q) = (self.prev[i], self.next[i]);
        self.next[p] = q;
        self.prev[q] = p;
        self.removed[i] = true;
        (p, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 100 m square with collinear midpoints on every side and a thin 1 m wide spike on the top side.
    fn spiky_square() -> Vec<Point> {
        vec![
            (0.0, 0.0),
            (50.0, 0.0),
            (100.0, 0.0),
            (100.0, 50.0),
            (100.0, 100.0),
            (60.0, 100.0),
            (59.5, 140.0),
            (59.0, 100.0),
            (50.0, 100.0),
            (0.0, 100.0),
            (0.0, 50.0),
            (0.0, 0.0),
        ]
    }

    #[test]
    fn collinear_points_and_spike_go_corners_stay() {
        let out = simplify_ring(&spiky_square(), 100.0);
        assert_eq!(out, vec![(0.0, 0.0), (100.0, 0.0), (100.0, 100.0), (0.0, 100.0), (0.0, 0.0)]);
    }

    #[test]
    fn a_small_threshold_keeps_the_spike_but_drops_collinear_points() {
        let out = simplify_ring(&spiky_square(), 5.0);
        assert!(out.contains(&(59.5, 140.0)), "{out:?}");
        assert!(!out.contains(&(50.0, 0.0)) && !out.contains(&(0.0, 50.0)), "{out:?}");
    }

    #[test]
    fn a_huge_threshold_leaves_a_closed_triangle() {
        let out = simplify_ring(&spiky_square(), 1e12);
        assert_eq!(out.len(), 4);
        assert_eq!(out.first(), out.last());
    }

    #[test]
    fn shared_border_is_simplified_identically_on_both_sides() {
        let wiggle: Vec<Point> =
            (0..=20).map(|i| (100.0, i as f64 * 5.0 + if i % 2 == 0 { 0.0 } else { 1.0 })).collect();
        let left: Vec<Point> = [(0.0, 100.0), (0.0, 0.0)].into_iter().chain(wiggle.iter().copied()).collect();
        let right: Vec<Point> =
            [(200.0, 0.0), (200.0, 100.0)].into_iter().chain(wiggle.iter().rev().copied()).collect();
        let out = simplify_features(&[vec![left], vec![right]], 20.0);
        let border = |ring: &[Point]| {
            let mut b: Vec<Point> = ring.iter().copied().filter(|p| p.0 > 99.0 && p.0 < 102.0).collect();
            b.sort_by(|a, b| a.1.total_cmp(&b.1));
            b.dedup();
            b
        };
        assert_eq!(border(&out[0][0]), border(&out[1][0]));
        assert!(border(&out[0][0]).len() < wiggle.len());
    }
}
