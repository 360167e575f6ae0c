// The choice-model registry's entry point: see choice_model.h. The models register in their
// own files (multinomial_logit.cpp, cascade.cpp, position_based.cpp).
#include "env/choice_model.h"

namespace bundlerl {

std::unique_ptr<ChoiceModel> MakeChoiceModel(const ShopperConfig& c) {
  try {
    return ChoiceModelRegistry::Make(c.choice_model, "choice model", c);
  } catch (const Error& e) {
    Fail("config key 'shopper.choice_model': ", e.what());
  }
}

}  // namespace bundlerl
