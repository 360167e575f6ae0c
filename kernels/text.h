// Text tokenisation compatible with scikit-learn's CountVectorizer defaults:
// lowercase=True, token_pattern r"(?u)\b\w\w+\b" (runs of two or more Unicode word
// characters: letters, digits, underscore), optional English stop words.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

namespace bundlerl {

// Tokens of `text` (UTF-8) in order, lowercased. Stop words are dropped when `stop_words`
// is given.
std::vector<std::string> Tokenize(const std::string& text,
                                  const std::unordered_set<std::string>* stop_words = nullptr);

const std::unordered_set<std::string>& EnglishStopWords();

}  // namespace bundlerl
