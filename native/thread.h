// ThreadJob: the one way the addon does blocking work.
//
// Each call gets a std::thread of its own. Namespace switches (setns, unshare) are per
// thread, so a thread that is used once and then exits can never leak a namespace into
// other work, and nothing here can starve libuv's pool that fs and dns depend on. The
// thread-safe function counts as an active handle: the event loop (and the process) stays
// alive exactly until the promise is settled.
#pragma once

#include <napi.h>
#include <pthread.h>
#include <signal.h>

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>
#include <utility>

#include "errors.h"

namespace skiff {

template <typename R>
class ThreadJob {
 public:
  using Work = std::function<R()>;
  using ToJs = std::function<Napi::Value(Napi::Env, R&)>;

  // Returns the promise; `work` runs on a new thread, `toJs` on the JS thread with its result.
  static Napi::Promise Start(Napi::Env env, Work work, ToJs toJs) {
    auto* job = new ThreadJob(env, std::move(work), std::move(toJs));
    Napi::Promise promise = job->deferred_.Promise();
    job->tsfn_ = Tsfn::New(env, "skiff", 0, 1, job);
    try {
      std::thread([job] { job->Run(); }).detach();
    } catch (const std::system_error& e) {  // thread creation failed (EAGAIN): settle now
      job->tsfn_.Release();
      job->failure_ = SysError{e.code().value(), "pthread_create", "thread"};
      Settle(env, Napi::Function(), job, nullptr);
    }
    return promise;
  }

 private:
  static void Settle(Napi::Env env, Napi::Function, ThreadJob* job, std::nullptr_t*);
  using Tsfn = Napi::TypedThreadSafeFunction<ThreadJob, std::nullptr_t, Settle>;

  ThreadJob(Napi::Env env, Work work, ToJs toJs)
      : deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), toJs_(std::move(toJs)) {}

  void Run() {
    // Signals are the JS thread's business; here they would only interrupt syscalls.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    try {
      result_.emplace(work_());
    } catch (const SysError& e) {
      failure_ = e;
    } catch (const std::bad_alloc&) {
      failure_ = SysError{ENOMEM, "malloc", "out of memory"};
    } catch (const std::exception& e) {
      failure_ = SysError{EIO, "internal", e.what()};
    } catch (...) {
      failure_ = SysError{EIO, "internal", "unknown exception"};
    }
    // Settle may free this job the moment the call is queued: work on a copy of the handle.
    Tsfn tsfn = tsfn_;
    // With an unbounded queue this only fails when the environment is shutting down and
    // Settle will never run.
    if (tsfn.BlockingCall() != napi_ok) delete this;
    tsfn.Release();
  }

  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  Tsfn tsfn_;
  std::optional<R> result_;
  std::optional<SysError> failure_;
};

template <typename R>
void ThreadJob<R>::Settle(Napi::Env env, Napi::Function, ThreadJob* job, std::nullptr_t*) {
  std::unique_ptr<ThreadJob> owned(job);
  if (env == nullptr) return;  // environment torn down before the result arrived
  Napi::HandleScope scope(env);
  if (job->failure_) {
    job->deferred_.Reject(ToJsError(env, *job->failure_).Value());
    return;
  }
  try {
    job->deferred_.Resolve(job->toJs_(env, *job->result_));
  } catch (const Napi::Error& e) {
    job->deferred_.Reject(e.Value());
  }
}

}  // namespace skiff
