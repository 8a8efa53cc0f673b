fn main() {
    println!("commerce-auth-mock: under construction");
}
