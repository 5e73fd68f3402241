//! The invoice reader as its own small program, for the worker's tests (the app runs the
//! same code as `brm-desk ler-fatura`): a PDF on standard input, one line of JSON out.

/// Counted and capped as in the app's binary: the memory limit every platform has.
#[global_allocator]
static HEAP: brm_invoice::ReaderHeap = brm_invoice::reader_heap();

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(brm_invoice::run_child(&args, &HEAP));
}
