//! The cycle profiler: every cycle attributed to the call stack that spent
//! it, written as collapsed stacks or a flamegraph SVG.
//!
//! While the guest runs, [`Profiler`] follows the shadow stack
//! ([`crate::callstack`]) through a call tree whose nodes are (caller node,
//! call instruction, callee function), and counts cycles per node and pc
//! (an ECALL's whole cost goes to its pc, in the function that made it). A
//! jump out of the current function that is no call or return (a tail call,
//! a jump into a function's cold part) moves the top frame to the function
//! jumped into. After the run, each (node, pc) is expanded with DWARF's
//! inlined frames, at the pc and at every call instruction on the way, into
//! a stack of function names. The cycles add up to the run's exactly.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io;

use ember_core::{EcallStep, Observer, Step};

use crate::callstack::{CallStack, Flow, Frame, NO_CALL, flow};
use crate::program::{Program, SourceMap};

/// Call-tree nodes deeper than this are kept as children of the node at
/// this depth (under a `[deeper calls]` frame): deep recursion makes one
/// wide level, not a million-frame stack.
const MAX_DEPTH: u32 = 256;

/// `call_pc` of a node hung under the depth limit.
const ELIDED: u32 = 3;

/// The frame name standing for the calls left out at [`MAX_DEPTH`].
const ELIDED_FRAME: &str = "[deeper calls]";

/// The root of the call tree: no function, no cycles.
const ROOT: u32 = 0;

/// A stretch of code attributed to one function: a function symbol, or a
/// gap between symbols.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: u32,
    len: u32,
}

/// One node of the call tree.
#[derive(Clone, Copy, Debug)]
struct Node {
    parent: u32,
    call_pc: u32,
    span: u32,
    depth: u32,
    /// Where its per-instruction counts start in `Profiler::counts`.
    base: usize,
}

/// The profiling observer.
pub(crate) struct Profiler {
    /// Partition of the code segments, sorted by address.
    spans: Vec<Span>,
    nodes: Vec<Node>,
    children: HashMap<(u32, u32, u32), u32>,
    /// Cycles per (node, instruction of its span).
    counts: Vec<u64>,
    pub(crate) stack: CallStack,
    /// The top frame's node and span, cached for the per-step check.
    current: u32,
    start: u32,
    len: u32,
    base: usize,
}

impl Profiler {
    pub(crate) fn new(program: &Program) -> Self {
        Profiler {
            spans: spans(program),
            nodes: vec![Node {
                parent: ROOT,
                call_pc: NO_CALL,
                span: u32::MAX,
                depth: 0,
                base: 0,
            }],
            children: HashMap::new(),
            counts: Vec::new(),
            stack: CallStack::new(ROOT),
            current: ROOT,
            start: 0,
            len: 0,
            base: 0,
        }
    }

    /// Adds `cycles` to the instruction at `pc` in the current node.
    #[inline(always)]
    fn count(&mut self, pc: u32, cycles: u64) {
        if pc.wrapping_sub(self.start) >= self.len {
            self.moved(pc);
        }
        let index = self.base + (pc.wrapping_sub(self.start) / 4) as usize;
        self.counts[index] += cycles;
    }

    /// The guest is at `pc`, outside the top frame's function, without a
    /// call or return: the top frame now runs the function at `pc`.
    #[cold]
    fn moved(&mut self, pc: u32) {
        let span = self.span_of(pc);
        let top = *self.stack.top();
        let parent = self.nodes[top.node as usize].parent;
        let node = if top.node == ROOT {
            self.child(ROOT, NO_CALL, span)
        } else {
            self.child(parent, top.call_pc, span)
        };
        self.stack.top_mut().node = node;
        self.enter(node);
    }

    /// Makes `node` the current one.
    fn enter(&mut self, node: u32) {
        let n = self.nodes[node as usize];
        let span = self.spans[n.span as usize];
        (self.current, self.start, self.len, self.base) = (node, span.start, span.len, n.base);
    }

    /// The node for a call from `parent` at `call_pc` into `span`.
    fn child(&mut self, parent: u32, call_pc: u32, span: u32) -> u32 {
        let depth = self.nodes[parent as usize].depth;
        let (parent, call_pc) = if depth > MAX_DEPTH {
            (self.nodes[parent as usize].parent, ELIDED)
        } else if depth == MAX_DEPTH {
            (parent, ELIDED)
        } else {
            (parent, call_pc)
        };
        if let Some(&node) = self.children.get(&(parent, call_pc, span)) {
            return node;
        }
        let node = self.nodes.len() as u32;
        let base = self.counts.len();
        let slots = self.spans[span as usize].len.div_ceil(4) as usize;
        self.counts.resize(base + slots, 0);
        self.nodes.push(Node {
            parent,
            call_pc,
            span,
            depth: self.nodes[parent as usize].depth + 1,
            base,
        });
        self.children.insert((parent, call_pc, span), node);
        node
    }

    /// The span holding `pc`; one is made for a pc outside every span
    /// (which executed code never is).
    fn span_of(&mut self, pc: u32) -> u32 {
        let i = self.spans.partition_point(|s| s.start <= pc);
        if i > 0 && pc - self.spans[i - 1].start < self.spans[i - 1].len {
            return (i - 1) as u32;
        }
        // Spans made here are appended (nodes index spans, so they cannot be
        // re-sorted); a linear search finds them.
        if let Some(j) = self
            .spans
            .iter()
            .rposition(|s| pc.wrapping_sub(s.start) < s.len)
        {
            return j as u32;
        }
        self.spans.push(Span { start: pc, len: 4 });
        (self.spans.len() - 1) as u32
    }

    /// The profile of the run so far.
    pub(crate) fn finish(&self, program: &Program) -> Profile {
        let map = program.source_map();
        let mut names = Names {
            map: &map,
            program,
            spans: &self.spans,
            ids: HashMap::new(),
            interned: HashMap::new(),
            chains: Vec::new(),
        };
        // Each node's stack down to (not including) its own function, joined.
        let mut prefixes: Vec<String> = Vec::with_capacity(self.nodes.len());
        let mut stacks: HashMap<String, u64> = HashMap::new();
        let mut total = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            if i == ROOT as usize {
                prefixes.push(String::new());
                continue;
            }
            let mut prefix = prefixes[node.parent as usize].clone();
            let mut push = |frames: &str| {
                if !prefix.is_empty() {
                    prefix.push(';');
                }
                prefix.push_str(frames);
            };
            match node.call_pc {
                NO_CALL => {}
                ELIDED => {
                    // The caller's own function (no call pc says where in
                    // it), then the marker.
                    let caller = self.spans[self.nodes[node.parent as usize].span as usize];
                    let outer = names.chain(caller.start);
                    let outer = names.chains[outer].split(';').next().unwrap_or("");
                    push(outer);
                    push(ELIDED_FRAME);
                }
                pc => {
                    let chain = names.chain(pc);
                    push(&names.chains[chain]);
                }
            }
            // Cycles per distinct inlined-frame chain of this node's pcs.
            let span = self.spans[node.span as usize];
            let counts = &self.counts[node.base..][..span.len.div_ceil(4) as usize];
            let mut by_chain: HashMap<usize, u64> = HashMap::new();
            for (k, &cycles) in counts.iter().enumerate() {
                if cycles > 0 {
                    *by_chain
                        .entry(names.chain(span.start + 4 * k as u32))
                        .or_default() += cycles;
                    total += cycles;
                }
            }
            for (chain, cycles) in by_chain {
                let chain = &names.chains[chain];
                let mut stack = String::with_capacity(prefix.len() + 1 + chain.len());
                stack.push_str(&prefix);
                if !stack.is_empty() {
                    stack.push(';');
                }
                stack.push_str(chain);
                *stacks.entry(stack).or_default() += cycles;
            }
            prefixes.push(prefix);
        }
        let mut stacks: Vec<(String, u64)> = stacks.into_iter().collect();
        stacks.sort_unstable();
        Profile {
            stacks,
            cycles: total,
        }
    }
}

/// Function names per pc, outermost first, from DWARF's inlined frames.
struct Names<'m, 'p> {
    map: &'m SourceMap<'p>,
    program: &'p Program,
    spans: &'m [Span],
    ids: HashMap<u32, usize>,
    interned: HashMap<String, usize>,
    chains: Vec<String>,
}

impl Names<'_, '_> {
    /// The name of code no symbol covers: `[entry]` for the code at the
    /// ELF's entry point (an assembly `_start` has no function symbol),
    /// else `[0x...]` with the address where the uncovered stretch starts.
    fn unnamed(&self, pc: u32) -> String {
        let i = self.spans.partition_point(|s| s.start <= pc);
        let start = self.spans[..i].last().map_or(pc, |s| s.start);
        if start == self.program.core().entry() {
            "[entry]".to_owned()
        } else {
            format!("[{start:#010x}]")
        }
    }

    /// The function names at `pc`, outermost first, joined with `;`: an
    /// index into `chains`, the same for pcs with the same names.
    fn chain(&mut self, pc: u32) -> usize {
        if let Some(&id) = self.ids.get(&pc) {
            return id;
        }
        let mut names: Vec<String> = self
            .map
            .frames(pc)
            .into_iter()
            .rev()
            .filter_map(|l| l.function)
            .map(|name| name.replace(';', ":"))
            .collect();
        if names.is_empty() {
            names.push(self.unnamed(pc));
        }
        let joined = names.join(";");
        let next = self.chains.len();
        let id = *self.interned.entry(joined.clone()).or_insert(next);
        if id == next {
            self.chains.push(joined);
        }
        self.ids.insert(pc, id);
        id
    }
}

impl Observer for Profiler {
    #[inline(always)]
    fn step(&mut self, step: &Step) {
        self.count(step.pc, 1);
        match flow(step.insn) {
            Flow::Call => {
                let span = self.span_of(step.next_pc);
                let node = self.child(self.current, step.pc, span);
                self.stack.push(Frame {
                    ret: step.pc.wrapping_add(4),
                    call_pc: step.pc,
                    node,
                });
                self.enter(node);
            }
            Flow::Return => {
                if self.stack.ret(step.next_pc) {
                    let node = self.stack.top().node;
                    if node == ROOT {
                        self.len = 0;
                    } else {
                        self.enter(node);
                    }
                }
            }
            Flow::Other => {}
        }
    }

    fn ecall(&mut self, ecall: &EcallStep<'_>) {
        self.count(ecall.pc, ecall.cost);
    }
}

/// Splits the code segments into spans: one per function symbol, and one
/// per stretch of code no symbol covers.
fn spans(program: &Program) -> Vec<Span> {
    let symbols = program.symbols();
    let mut spans = Vec::new();
    for code in program.core().code() {
        let end = u64::from(code.start) + 4 * code.instructions.len() as u64;
        let mut at = u64::from(code.start);
        while at < end {
            let next = match program.symbol_at(at as u32) {
                Some(s) if s.size > 0 => u64::from(s.addr) + u64::from(s.size),
                // Sizeless: up to the next symbol.
                _ => {
                    let i = symbols.partition_point(|s| u64::from(s.addr) <= at);
                    symbols.get(i).map_or(end, |s| u64::from(s.addr))
                }
            };
            let next = next.min(end).max(at + 4);
            spans.push(Span {
                start: at as u32,
                len: (next - at) as u32,
            });
            at = next;
        }
    }
    spans
}

/// Where a run's cycles went: collapsed stacks (outermost function first)
/// and their cycles.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    /// Each distinct stack (`outer;...;inner`, inlined functions included)
    /// with the cycles spent with exactly it, sorted by stack.
    pub stacks: Vec<(String, u64)>,
    /// The cycles attributed: the run's cycle count.
    pub cycles: u64,
}

/// A function's cycles in a [`Profile`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCost {
    /// The function (demangled, without hash).
    pub name: String,
    /// Cycles spent in it, not in what it called.
    pub self_cycles: u64,
    /// Cycles spent in it and in what it called (recursion counted once).
    pub total_cycles: u64,
}

impl Profile {
    /// The collapsed-stack text (`outer;inner cycles` per line), as
    /// `inferno`, `flamegraph.pl` and speedscope read it.
    pub fn folded(&self) -> String {
        let mut out = String::new();
        for (stack, cycles) in &self.stacks {
            let _ = writeln!(out, "{stack} {cycles}");
        }
        out
    }

    /// Writes a flamegraph SVG of the profile.
    pub fn write_flamegraph(&self, title: &str, out: impl io::Write) -> io::Result<()> {
        let mut options = inferno::flamegraph::Options::default();
        options.title = title.to_owned();
        options.count_name = "cycles".to_owned();
        // Colours from the function names: the same profile, the same picture.
        options.hash = true;
        options.deterministic = true;
        let folded = self.folded();
        inferno::flamegraph::from_lines(&mut options, folded.lines(), out)
    }

    /// Every function's self and total cycles, heaviest self first (ties
    /// by name).
    pub fn functions(&self) -> Vec<FunctionCost> {
        let mut costs: HashMap<&str, (u64, u64)> = HashMap::new();
        for (stack, cycles) in &self.stacks {
            let frames: Vec<&str> = stack.split(';').collect();
            if let Some(leaf) = frames.last() {
                costs.entry(leaf).or_default().0 += cycles;
            }
            let mut seen = HashSet::new();
            for name in frames {
                if seen.insert(name) {
                    costs.entry(name).or_default().1 += cycles;
                }
            }
        }
        let mut out: Vec<FunctionCost> = costs
            .into_iter()
            .map(|(name, (self_cycles, total_cycles))| FunctionCost {
                name: name.to_owned(),
                self_cycles,
                total_cycles,
            })
            .collect();
        out.sort_by(|a, b| {
            b.self_cycles
                .cmp(&a.self_cycles)
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }
}
