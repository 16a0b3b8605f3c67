use proc_macro::TokenStream;

#[proc_macro_attribute]
pub fn zk_op(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
