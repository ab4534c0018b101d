package bench
/* a /* nested */ object Fake */
object Problem extends App { val s = """ } """ }
