import java.util.*;
class Solution { int f() { return 1; } }
public class Main { public static void main(String[] a) { String s = "}"; char c = '{'; } }
