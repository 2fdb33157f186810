//! Did-you-mean suggestions for misspelled keys and names.

/// The closest candidate to `word`, if one is close enough to be a likely typo.
pub fn suggest<'a, I>(word: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    // Nothing of that length is a typo of a short name (and comparing it would be slow).
    if word.len() > 200 {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// A `help` text for an unknown word: a suggestion when one is close, otherwise the
/// list of what is allowed (shortened when long).
pub fn help_for<'a, I>(word: &str, candidates: I) -> String
where
    I: IntoIterator<Item = &'a str> + Clone,
{
    if let Some(best) = suggest(word, candidates.clone()) {
        return format!("did you mean `{best}`?");
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    if all.is_empty() {
        return "nothing is defined here".to_string();
    }
    let shown: Vec<String> = all.iter().take(12).map(|c| format!("`{c}`")).collect();
    let more = if all.len() > 12 {
        format!(" and {} more", all.len() - 12)
    } else {
        String::new()
    };
    format!("expected one of {}{more}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        let keys = ["availability", "survive", "rto", "rpo"];
        assert_eq!(suggest("availabilty", keys), Some("availability"));
        assert_eq!(suggest("survval", keys), Some("survive"));
        assert_eq!(suggest("zzzz", keys), None);
    }
}
