#include "kernel/object/console.h"

namespace shoal::kernel {

Result<Ref<Console>> Console::Create(std::shared_ptr<ConsoleLog> log, ConsoleStream stream) {
  if (log == nullptr) return MakeError(Status::kInvalidArgs, "a console needs a log");
  Ref<Console> console(new Console(std::move(log), stream));
  Notifications fired;
  console->log_->AddWriter(console.get(), fired);
  return console;
}

Result<Ref<Console>> Console::Create(size_t retention) {
  return Create(TRY(ConsoleLog::Create(retention)), ConsoleStream::kStdout);
}

Console::~Console() { log_->RemoveWriter(this); }

VoidResult Console::Close() {
  Notifications fired;
  log_->CloseWriter(this, fired);
  return Ok();
}

}  // namespace shoal::kernel
