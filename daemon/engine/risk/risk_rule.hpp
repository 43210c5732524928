// The seam through which risk rules written as plugins (Lua, plugins/risk/*.lua) sit beside the
// built-in checks: the engine asks every rule about every order that passed those checks, and
// tells the rules of fills and bars; a rule answers, and may ask for a halt, REDUCING or a pause.
// A rule that fails is stopped and the account is halted (RISK_RULE_FAILED): protection is
// never silently lost.
#pragma once

#include <string>
#include <vector>

#include "engine/bars/bar.hpp"
#include "engine/risk/risk_engine.hpp"
#include "engine/trading/portfolio.hpp"

namespace aiots::risk {

// What a rule sees of the account when it is called.
struct RuleContext {
  Timestamp now = 0;
  const Portfolio* portfolio = nullptr;
  const RiskEngine* risk = nullptr;
  const Account* account = nullptr;  // its net Greeks (asked once per version)
  std::string strategy;  // the strategy whose order, fill or bar it is
  // Changes whenever anything above may have (a new bar, a fill, a state change): a rule host
  // may keep what it built from the same version.
  std::uint64_t version = 0;
};

struct RuleVerdict {
  bool allow = true;
  std::string code;     // for a denial: the rule's code (A-Z, 0-9, _), else RISK_RULE_DENIED
  std::string message;  // for a denial: why, in the rule's words
};

enum class RuleActionKind { Halt, Reduce, Pause };
struct RuleAction {
  RuleActionKind kind = RuleActionKind::Halt;
  std::string strategy;  // Pause: which strategy
  std::string reason;
};

class RiskRule {
public:
  virtual ~RiskRule() = default;
  virtual const std::string& name() const = 0;
  // "file:line: message" when the rule's code failed (the engine then stops asking it).
  virtual Expected<RuleVerdict> check_order(const OrderRequest& order, double reference_price, const RuleContext& ctx) = 0;
  virtual Expected<void> on_fill(const Fill& fill, const RuleContext& ctx) = 0;
  virtual Expected<void> on_bar(SymbolId symbol, const Bar& bar, const RuleContext& ctx) = 0;
  // The actions the rule asked for during its last call, in order (emptied).
  virtual std::vector<RuleAction> take_actions() = 0;
};

}  // namespace aiots::risk
