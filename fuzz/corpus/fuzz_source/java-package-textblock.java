package org.example;
/* public class X { */
public class App { static String t = """
 } class Y {
"""; public static void main(String[] a) {} }
