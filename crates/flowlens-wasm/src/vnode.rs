//! A description of elements to show, built without a document (so what the popup shows is
//! tested on the host) and written into the page by [`crate::mount`], which updates the
//! page in place from one description to the next.
//!
//! Text is always text: a [`VNode::Text`] becomes a DOM text node and attribute values are
//! set as values, so page-controlled strings never reach an HTML parser.

/// One node of the description.
#[derive(Debug, Clone, PartialEq)]
pub enum VNode {
    Element(VElement),
    Text(String),
}

/// An element: its tag, attributes and children. `key` tells a node from its siblings across
/// updates (a check's id, a hop's index): an update moves and changes the element with the
/// same key instead of replacing it, so focus, caret, open `<details>` and scrolling stay.
/// Children without keys are matched by position and tag.
#[derive(Debug, Clone, PartialEq)]
pub struct VElement {
    pub tag: &'static str,
    pub key: Option<String>,
    pub attrs: Vec<(&'static str, String)>,
    pub children: Vec<VNode>,
}

/// `h("p")`: an element to build on.
pub fn h(tag: &'static str) -> VElement {
    VElement {
        tag,
        key: None,
        attrs: Vec::new(),
        children: Vec::new(),
    }
}

impl VElement {
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push((name, value.into()));
        self
    }

    /// An attribute that is there or not (`hidden`, `disabled`, `checked`).
    pub fn flag(self, name: &'static str, on: bool) -> Self {
        if on {
            self.attr(name, "")
        } else {
            self
        }
    }

    pub fn class(self, class: impl Into<String>) -> Self {
        self.attr("class", class)
    }

    pub fn id(self, id: &'static str) -> Self {
        self.attr("id", id)
    }

    /// A text child (set as text, never parsed).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.children.push(VNode::Text(text.into()));
        self
    }

    pub fn child(mut self, child: VElement) -> Self {
        self.children.push(VNode::Element(child));
        self
    }

    pub fn children(mut self, children: impl IntoIterator<Item = VElement>) -> Self {
        self.children
            .extend(children.into_iter().map(VNode::Element));
        self
    }

    /// A child only when there is one.
    pub fn maybe(self, child: Option<VElement>) -> Self {
        match child {
            Some(child) => self.child(child),
            None => self,
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every element of this tree, depth first (for tests and for queries on the host).
    pub fn descendants(&self) -> Vec<&VElement> {
        let mut out = vec![self];
        for child in &self.children {
            if let VNode::Element(e) = child {
                out.extend(e.descendants());
            }
        }
        out
    }

    /// The text of this tree, as `textContent` would read it.
    pub fn text_content(&self) -> String {
        let mut out = String::new();
        for child in &self.children {
            match child {
                VNode::Text(t) => out.push_str(t),
                VNode::Element(e) => out.push_str(&e.text_content()),
            }
        }
        out
    }

    /// Whether the class attribute names `class`.
    pub fn has_class(&self, class: &str) -> bool {
        self.get("class")
            .is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
    }
}

impl From<VElement> for VNode {
    fn from(element: VElement) -> Self {
        VNode::Element(element)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_tree_that_reads_like_the_dom() {
        let tree = h("section")
            .class("a b")
            .key("k")
            .child(h("h2").text("Title "))
            .child(h("p").flag("hidden", true).flag("open", false).text("x"));
        assert_eq!(tree.text_content(), "Title x");
        assert!(tree.has_class("b") && !tree.has_class("c"));
        assert_eq!(tree.descendants().len(), 3);
        let p = tree.descendants()[2];
        assert_eq!(p.get("hidden"), Some(""));
        assert_eq!(p.get("open"), None);
    }
}
