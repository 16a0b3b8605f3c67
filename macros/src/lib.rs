//! The `#[zk_op]` attribute: one declaration of an integer operator becomes
//! its reference implementation, its constraint synthesis and its circom
//! template. See the `section9` crate for the body language.

mod errors;
mod expand;
mod ir;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Declares an integer operator; see the `section9` crate documentation.
#[proc_macro_attribute]
pub fn zk_op(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::zk_op(attr.into(), item.into()).into()
}
