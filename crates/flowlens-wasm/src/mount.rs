//! Writes a [`VNode`] description into the page, then keeps the page in step with the next
//! description by changing only what differs.
//!
//! The side panel is updated while a person reads it and types notes in it: an update must
//! not take focus or text from a note, close what they opened, or move what they look at. So
//! nothing is replaced that can be kept: elements are matched to the previous description (by
//! key, else by position and tag), attributes are compared with the previous description (not
//! with the page, so what the user changed, an open `<details>` or a typed note, stays), and
//! only new elements are created. Content inserted above the viewport is then absorbed by the
//! browsers' scroll anchoring, which needs the anchor element to survive the update.

use std::collections::{HashMap, VecDeque};

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlInputElement, Node, Text};

use crate::vnode::{VElement, VNode};

/// The children of one element of the page, as last written.
pub struct Root {
    element: Element,
    document: Document,
    children: Vec<Live>,
}

/// A node written into the page, with the description it was written from.
enum Live {
    Element {
        node: Element,
        tag: &'static str,
        key: Option<String>,
        attrs: Vec<(&'static str, String)>,
        children: Vec<Live>,
    },
    Text {
        node: Text,
        text: String,
    },
}

impl Live {
    fn node(&self) -> &Node {
        match self {
            Live::Element { node, .. } => node.unchecked_ref(),
            Live::Text { node, .. } => node.unchecked_ref(),
        }
    }

    /// What an unkeyed node is matched on: its tag, or text.
    fn kind(&self) -> &'static str {
        match self {
            Live::Element { tag, .. } => tag,
            Live::Text { .. } => "#text",
        }
    }
}

fn kind_of(node: &VNode) -> &'static str {
    match node {
        VNode::Element(e) => e.tag,
        VNode::Text(_) => "#text",
    }
}

fn key_of(node: &VNode) -> Option<&str> {
    match node {
        VNode::Element(e) => e.key.as_deref(),
        VNode::Text(_) => None,
    }
}

impl Root {
    /// Takes over `element`: what it held is removed.
    pub fn new(element: Element) -> Result<Root, JsValue> {
        let document = element
            .owner_document()
            .ok_or_else(|| JsValue::from_str("the element has no document"))?;
        element.set_text_content(None);
        Ok(Root {
            element,
            document,
            children: Vec::new(),
        })
    }

    pub fn element(&self) -> &Element {
        &self.element
    }

    /// Makes the element's children what `children` describes.
    pub fn update(&mut self, children: Vec<VNode>) -> Result<(), JsValue> {
        let parent: &Node = self.element.unchecked_ref();
        patch_children(&self.document, parent, &mut self.children, children)
    }
}

fn create(document: &Document, node: VNode) -> Result<Live, JsValue> {
    Ok(match node {
        VNode::Text(text) => Live::Text {
            node: document.create_text_node(&text),
            text,
        },
        VNode::Element(VElement {
            tag,
            key,
            attrs,
            children,
        }) => {
            let element = document.create_element(tag)?;
            for (name, value) in &attrs {
                element.set_attribute(name, value)?;
            }
            let mut live = Vec::with_capacity(children.len());
            for child in children {
                let child = create(document, child)?;
                element.append_child(child.node())?;
                live.push(child);
            }
            Live::Element {
                node: element,
                tag,
                key,
                attrs,
                children: live,
            }
        }
    })
}

fn patch_children(
    document: &Document,
    parent: &Node,
    old: &mut Vec<Live>,
    new: Vec<VNode>,
) -> Result<(), JsValue> {
    // Old nodes by key, and unkeyed ones by kind in their order.
    let mut slots: Vec<Option<Live>> = old.drain(..).map(Some).collect();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    let mut by_kind: HashMap<&'static str, VecDeque<usize>> = HashMap::new();
    for (i, live) in slots.iter().enumerate() {
        match live {
            Some(Live::Element { key: Some(key), .. }) => {
                by_key.insert(key.clone(), i);
            }
            Some(live) => by_kind.entry(live.kind()).or_default().push_back(i),
            None => {}
        }
    }
    let mut pairs: Vec<(Option<Live>, VNode)> = Vec::with_capacity(new.len());
    for node in new {
        let found = match key_of(&node) {
            Some(key) => by_key.remove(key),
            None => by_kind
                .get_mut(kind_of(&node))
                .and_then(VecDeque::pop_front),
        };
        let live = found
            .and_then(|i| slots[i].take())
            .filter(|live| live.kind() == kind_of(&node));
        pairs.push((live, node));
    }
    for live in slots.into_iter().flatten() {
        parent.remove_child(live.node())?;
    }
    let mut cursor = parent.first_child();
    for (live, node) in pairs {
        let live = match live {
            Some(mut live) => {
                patch(document, &mut live, node)?;
                live
            }
            None => create(document, node)?,
        };
        let placed = live.node();
        if cursor.as_ref() == Some(placed) {
            cursor = placed.next_sibling();
        } else {
            parent.insert_before(placed, cursor.as_ref())?;
        }
        old.push(live);
    }
    Ok(())
}

/// Brings one node in step; `live` and `node` are of the same kind.
fn patch(document: &Document, live: &mut Live, node: VNode) -> Result<(), JsValue> {
    match (live, node) {
        (Live::Text { node, text }, VNode::Text(new)) => {
            if *text != new {
                node.set_data(&new);
                *text = new;
            }
        }
        (
            Live::Element {
                node: element,
                attrs,
                children,
                key,
                ..
            },
            VNode::Element(new),
        ) => {
            patch_attributes(element, attrs, &new.attrs)?;
            *attrs = new.attrs;
            *key = new.key;
            let parent: &Node = element.unchecked_ref();
            patch_children(document, parent, children, new.children)?;
        }
        _ => return Err(JsValue::from_str("patch: node kinds differ")),
    }
    Ok(())
}

/// Sets what changed since the previous description and removes what it no longer has.
/// A tick box's `checked` attribute is only its default: the state shown follows it too, so
/// that a tick made in another window (the popup over the side panel) shows here.
fn patch_attributes(
    element: &Element,
    old: &[(&'static str, String)],
    new: &[(&'static str, String)],
) -> Result<(), JsValue> {
    for (name, value) in new {
        if old.iter().any(|(n, v)| n == name && v == value) {
            continue;
        }
        element.set_attribute(name, value)?;
        if *name == "checked" {
            if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                input.set_checked(true);
            }
        }
    }
    for (name, _) in old {
        if !new.iter().any(|(n, _)| n == name) {
            element.remove_attribute(name)?;
            if *name == "checked" {
                if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
                    input.set_checked(false);
                }
            }
        }
    }
    Ok(())
}
