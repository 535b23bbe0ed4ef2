//! Proving segments on worker threads (`Segmenter::jobs`, `ember prove
//! --jobs N`): the run goes on recording the next segment while finished
//! ones are proven. A segment is handed over only when a worker is free, so
//! at most `N` segments are being proven and one recorded: memory grows with
//! `N`, never with the run.

use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ember_air::{EmberAir, Params};

use crate::{Proof, ProveError, Traces, prove_traces_with};

/// A finished segment to prove.
pub(crate) struct Job {
    /// Its place in the run (0 for the first).
    pub(crate) index: usize,
    pub(crate) airs: Vec<EmberAir>,
    pub(crate) traces: Traces,
    /// The time its tables took to finish.
    pub(crate) trace_time: Duration,
}

/// A segment proven (or not).
pub(crate) struct Done {
    pub(crate) job: Job,
    pub(crate) proof: Result<Proof, ProveError>,
    pub(crate) prove_time: Duration,
}

/// `N` threads, each proving one segment at a time.
pub(crate) struct Workers {
    jobs: Option<SyncSender<Job>>,
    done: Receiver<Done>,
    threads: Vec<JoinHandle<()>>,
}

impl Workers {
    /// `n` workers proving with `params`.
    pub(crate) fn new(n: usize, params: Params) -> Workers {
        // A rendezvous channel: a job is handed over only to a free worker.
        let (jobs, queue) = sync_channel::<Job>(0);
        let queue = Arc::new(Mutex::new(queue));
        let (report, done) = channel();
        let threads = (0..n)
            .map(|i| {
                let queue = Arc::clone(&queue);
                let report = report.clone();
                std::thread::Builder::new()
                    .name(format!("ember-prover-{i}"))
                    .spawn(move || {
                        loop {
                            // The lock is held only while waiting for a job.
                            let job = match queue.lock() {
                                Ok(queue) => queue.recv(),
                                Err(_) => return,
                            };
                            let Ok(job) = job else { return };
                            let started = Instant::now();
                            let proof = prove_traces_with(&job.airs, &job.traces, params);
                            let prove_time = started.elapsed();
                            let done = Done {
                                job,
                                proof,
                                prove_time,
                            };
                            if report.send(done).is_err() {
                                return;
                            }
                        }
                    })
                    .expect("a prover thread starts")
            })
            .collect();
        Workers {
            jobs: Some(jobs),
            done,
            threads,
        }
    }

    /// Hands `job` to the first free worker, waiting for one.
    pub(crate) fn submit(&self, job: Job) -> Result<(), ProveError> {
        let jobs = self.jobs.as_ref().expect("open until finish");
        jobs.send(job)
            .map_err(|_| ProveError::Backend("every prover thread stopped".into()))
    }

    /// The segments proven since the last call.
    pub(crate) fn proven(&self) -> Vec<Done> {
        self.done.try_iter().collect()
    }

    /// Waits for every job handed over; the segments proven since the last
    /// call to [`Workers::proven`], and an error if a worker died.
    pub(crate) fn finish(mut self) -> (Vec<Done>, Option<ProveError>) {
        drop(self.jobs.take());
        let mut threads_ok = true;
        for thread in std::mem::take(&mut self.threads) {
            threads_ok &= thread.join().is_ok();
        }
        let done = self.done.try_iter().collect();
        let error = (!threads_ok).then(|| ProveError::Backend("a prover thread panicked".into()));
        (done, error)
    }
}
