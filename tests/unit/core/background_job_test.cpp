#include "core/background_job.h"

#include <doctest/doctest.h>

#include <pthread.h>

#include <array>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

using cdc::BackgroundJob;

TEST_CASE("background job: runs on another thread, collected once it has finished") {
  BackgroundJob job;
  CHECK_FALSE(job.running());
  CHECK_FALSE(job.finished());  // none started

  std::promise<void> release;
  auto released = release.get_future();
  std::thread::id ran_on;
  int value = 0;
  job.start([&] {
    ran_on = std::this_thread::get_id();
    released.wait();
    value = 42;
  });
  CHECK(job.running());
  CHECK_FALSE(job.finished());  // held by the promise
  release.set_value();
  job.wait();
  CHECK_FALSE(job.running());
  CHECK(value == 42);
  CHECK(ran_on != std::this_thread::get_id());

  // The same thread takes the next job; finished() collects it once it has run.
  std::thread::id ran_again_on;
  job.start([&] { ran_again_on = std::this_thread::get_id(); });
  while (!job.finished()) std::this_thread::yield();
  CHECK(ran_again_on == ran_on);
  CHECK_FALSE(job.running());
  CHECK_FALSE(job.finished());
}

TEST_CASE("background job: what a job throws reaches the collector, and the next job runs") {
  BackgroundJob job;
  job.start([] { throw std::runtime_error("disk full"); });
  CHECK_THROWS_WITH_AS(job.wait(), "disk full", std::runtime_error);
  CHECK_FALSE(job.running());

  job.start([] { throw std::runtime_error("again"); });
  bool threw = false;
  for (;;) {
    try {
      if (job.finished()) break;
    } catch (const std::runtime_error& e) {
      threw = std::string(e.what()) == "again";
      break;
    }
    std::this_thread::yield();
  }
  CHECK(threw);

  int runs = 0;
  job.start([&] { ++runs; });
  job.wait();
  CHECK(runs == 1);
}

TEST_CASE("background job: a job started just before destruction still runs") {
  int runs = 0;
  {
    BackgroundJob job;
    job.start([] {});
    job.wait();
    job.start([&] { ++runs; });
  }
  CHECK(runs == 1);
}

TEST_CASE("background job: its thread carries the name it was given, cut to Linux's 15 bytes") {
  auto name_seen_by = [](std::string name) {
    BackgroundJob job(std::move(name));
    std::array<char, 16> seen{};
    job.start([&] { pthread_getname_np(pthread_self(), seen.data(), seen.size()); });
    job.wait();
    return std::string(seen.data());
  };
  CHECK(name_seen_by("cdc-store") == "cdc-store");
  CHECK(name_seen_by("cdc-a-rather-long-name") == "cdc-a-rather-lo");
}
