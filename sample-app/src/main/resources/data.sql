DELETE FROM product;
INSERT INTO product (id, name, price) VALUES (1, 'Kettle', 29.90);
INSERT INTO product (id, name, price) VALUES (2, 'Teapot', 19.50);
INSERT INTO product (id, name, price) VALUES (3, 'Mug', 7.25);
