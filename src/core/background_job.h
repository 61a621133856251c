// One job at a time on a thread of its own, collected by the thread that started it: work
// that must finish before its owner may rely on it, but that its owner need not wait for
// (the last-sent store's commits: their writes and fsync leave the pipeline's thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace cdc {

// start(), finished(), wait() and running() belong to one thread at a time. What the job
// touches is the job's until it is collected (finished() true, or wait()): collecting
// orders the job's writes before the collector's reads.
class BackgroundJob {
 public:
  // `name`: the thread's (name_this_thread()).
  explicit BackgroundJob(std::string name = "cdc-job") : name_(std::move(name)) {}
  // Waits for a running job; what it threw is dropped.
  ~BackgroundJob();
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Starts `job`; none may be running. The thread starts with the first job.
  void start(std::function<void()> job);
  // Started and not yet collected.
  bool running() const { return running_; }
  // Collects the job if it has finished, rethrowing what it threw; false while it runs
  // (or when none was started).
  bool finished();
  // Waits for the job and collects it, rethrowing what it threw. Nothing to do when none
  // is running.
  void wait();

 private:
  void serve();
  // Called with mutex_ held, the job done: clears it, rethrows its error.
  void collect(std::unique_lock<std::mutex>& lock);

  std::mutex mutex_;
  std::condition_variable changed_;
  std::function<void()> job_;  // set from start() until the thread has run it
  // The job has run; collect() clears it. Set under mutex_, and read without it first by
  // finished(), which the owner calls often while the job still runs.
  std::atomic<bool> done_ = false;
  std::exception_ptr error_;
  bool stopping_ = false;
  bool running_ = false;  // the owner's view: started, not collected
  std::string name_;
  std::thread thread_;
};

}  // namespace cdc
