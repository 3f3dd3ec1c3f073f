import LoupeMES
