/**
 * The demo city's shelves: the category tree and, per leaf, the goods a
 * Damascus shop of that kind sells, Arabic beside English, with a plain price
 * in Syrian pounds (the seed turns it into minor units) and how its variants differ.
 */
import type { Words } from './seed-words.js';

/** How a leaf's products come in: one variant, by size, or by weight. */
export type VariantStyle = 'single' | 'size' | 'weight' | 'pack';

export interface Good extends Words { pounds: number }
export interface LeafCategory extends Words { slug: string; style: VariantStyle; goods: Good[] }
export interface KindCategory extends Words { slug: string; leaves: LeafCategory[] }
export interface RootCategory extends Words { slug: string; kinds: KindCategory[] }

export const VARIANT_OPTIONS: Record<VariantStyle, { option: string; values: Words[]; factor: number[] }> = {
  single: { option: '', values: [], factor: [1] },
  size: { option: 'size', values: [{ ar: 'صغير', en: 'S' }, { ar: 'وسط', en: 'M' }, { ar: 'كبير', en: 'L' }], factor: [1, 1.3, 1.6] },
  weight: { option: 'weight', values: [{ ar: 'نصف كيلو', en: '500 g' }, { ar: 'كيلو', en: '1 kg' }], factor: [1, 1.9] },
  pack: { option: 'pack', values: [{ ar: 'قطعة', en: 'single' }, { ar: 'علبة ٦', en: 'box of 6' }], factor: [1, 5.5] },
};

const g = (ar: string, en: string, pounds: number): Good => ({ ar, en, pounds });

export const CATEGORY_TREE: RootCategory[] = [
  {
    slug: 'food-and-drink', ar: 'طعام وشراب', en: 'Food & Drink',
    kinds: [
      { slug: 'bakery', ar: 'مخبوزات', en: 'Bakery', leaves: [
        { slug: 'bread', ar: 'خبز', en: 'Bread', style: 'pack', goods: [g('خبز عربي', 'Arabic bread', 4000), g('خبز سياحي', 'Tourist bread', 6000), g('كعك بالسمسم', 'Sesame ka\'ak', 3000), g('خبز صاج', 'Saj bread', 5000), g('خبز أسمر', 'Brown bread', 7000)] },
        { slug: 'pastries', ar: 'معجنات', en: 'Pastries', style: 'pack', goods: [g('مناقيش زعتر', 'Zaatar manakish', 5000), g('فطائر سبانخ', 'Spinach fatayer', 6000), g('صفيحة', 'Sfiha', 7000), g('كرواسان', 'Croissant', 8000), g('فطيرة جبنة', 'Cheese pie', 7500)] },
      ] },
      { slug: 'meals', ar: 'وجبات', en: 'Meals', leaves: [
        { slug: 'grills', ar: 'مشاوي', en: 'Grills', style: 'size', goods: [g('شيش طاووق', 'Shish tawook', 45000), g('كباب حلبي', 'Aleppo kebab', 55000), g('فروج مشوي', 'Grilled chicken', 80000), g('كفتة', 'Kofta', 50000)] },
        { slug: 'sandwiches', ar: 'سندويشات', en: 'Sandwiches', style: 'size', goods: [g('شاورما دجاج', 'Chicken shawarma', 20000), g('فلافل', 'Falafel', 10000), g('شاورما لحمة', 'Meat shawarma', 28000), g('سندويش بطاطا', 'Potato sandwich', 9000)] },
        { slug: 'salads', ar: 'سلطات', en: 'Salads', style: 'size', goods: [g('فتوش', 'Fattoush', 15000), g('تبولة', 'Tabbouleh', 15000), g('حمص', 'Hummus', 12000), g('متبل', 'Mutabbal', 12000)] },
      ] },
      { slug: 'sweets', ar: 'حلويات', en: 'Sweets', leaves: [
        { slug: 'oriental-sweets', ar: 'حلويات شرقية', en: 'Oriental sweets', style: 'weight', goods: [g('بقلاوة', 'Baklava', 90000), g('كنافة نابلسية', 'Knafeh', 60000), g('معمول', 'Maamoul', 70000), g('بلورية', 'Balloriyeh', 95000), g('هريسة', 'Harissa cake', 40000)] },
        { slug: 'cakes', ar: 'كاتو', en: 'Cakes', style: 'size', goods: [g('كاتو شوكولا', 'Chocolate cake', 120000), g('تشيز كيك', 'Cheesecake', 140000), g('كاتو فريز', 'Strawberry cake', 130000)] },
      ] },
      { slug: 'meat', ar: 'لحوم', en: 'Meat', leaves: [
        { slug: 'red-meat', ar: 'لحم أحمر', en: 'Red meat', style: 'weight', goods: [g('لحم غنم', 'Lamb', 180000), g('لحم عجل', 'Veal', 150000), g('لحم مفروم', 'Minced meat', 160000)] },
        { slug: 'poultry', ar: 'دواجن', en: 'Poultry', style: 'weight', goods: [g('صدر دجاج', 'Chicken breast', 60000), g('فخاذ دجاج', 'Chicken thighs', 45000), g('دجاج كامل', 'Whole chicken', 50000)] },
      ] },
      { slug: 'drinks', ar: 'مشروبات', en: 'Drinks', leaves: [
        { slug: 'hot-drinks', ar: 'مشروبات ساخنة', en: 'Hot drinks', style: 'size', goods: [g('قهوة عربية', 'Arabic coffee', 8000), g('شاي', 'Tea', 5000), g('متة', 'Mate', 7000), g('سحلب', 'Sahlab', 10000), g('قهوة بالحليب', 'Latte', 15000)] },
        { slug: 'cold-drinks', ar: 'مشروبات باردة', en: 'Cold drinks', style: 'size', goods: [g('عصير برتقال', 'Orange juice', 12000), g('ليموناضة بالنعنع', 'Mint lemonade', 12000), g('عرق سوس', 'Licorice juice', 6000), g('جلاب', 'Jallab', 9000), g('تمر هندي', 'Tamarind juice', 8000)] },
      ] },
      { slug: 'fresh-produce', ar: 'خضار وفواكه', en: 'Fresh produce', leaves: [
        { slug: 'fruit', ar: 'فواكه', en: 'Fruit', style: 'weight', goods: [g('تفاح', 'Apples', 12000), g('برتقال', 'Oranges', 8000), g('عنب', 'Grapes', 15000), g('موز', 'Bananas', 18000), g('مشمش', 'Apricots', 20000)] },
        { slug: 'vegetables', ar: 'خضار', en: 'Vegetables', style: 'weight', goods: [g('بندورة', 'Tomatoes', 7000), g('خيار', 'Cucumbers', 6000), g('بطاطا', 'Potatoes', 5000), g('باذنجان', 'Aubergines', 6000), g('كوسا', 'Courgettes', 7000)] },
      ] },
      { slug: 'pantry', ar: 'مواد غذائية', en: 'Pantry', leaves: [
        { slug: 'dairy', ar: 'ألبان وأجبان', en: 'Dairy', style: 'weight', goods: [g('لبنة', 'Labneh', 30000), g('جبنة بيضاء', 'White cheese', 45000), g('لبن', 'Yoghurt', 15000), g('جبنة عكاوي', 'Akkawi cheese', 50000)] },
        { slug: 'staples', ar: 'مؤونة', en: 'Staples', style: 'weight', goods: [g('برغل', 'Bulgur', 12000), g('عدس', 'Lentils', 14000), g('أرز', 'Rice', 16000), g('زيت زيتون', 'Olive oil', 90000), g('زعتر', 'Zaatar', 35000)] },
      ] },
    ],
  },
  {
    slug: 'health-and-beauty', ar: 'صحة وجمال', en: 'Health & Beauty',
    kinds: [
      { slug: 'pharmacy', ar: 'صيدلية', en: 'Pharmacy', leaves: [
        { slug: 'medicines', ar: 'أدوية', en: 'Medicines', style: 'pack', goods: [g('سيتامول', 'Paracetamol', 6000), g('فيتامين سي', 'Vitamin C', 15000), g('شراب سعال', 'Cough syrup', 12000), g('إيبوبروفين', 'Ibuprofen', 8000)] },
        { slug: 'personal-care', ar: 'عناية شخصية', en: 'Personal care', style: 'single', goods: [g('صابون غار', 'Laurel soap', 10000), g('معجون أسنان', 'Toothpaste', 9000), g('شامبو', 'Shampoo', 18000), g('كريم مرطب', 'Moisturiser', 25000)] },
        { slug: 'baby-care', ar: 'عناية بالطفل', en: 'Baby care', style: 'pack', goods: [g('حفاضات', 'Nappies', 60000), g('مناديل مبللة', 'Baby wipes', 12000), g('حليب أطفال', 'Baby formula', 85000)] },
      ] },
    ],
  },
  {
    slug: 'home-and-gifts', ar: 'منزل وهدايا', en: 'Home & Gifts',
    kinds: [
      { slug: 'books-and-stationery', ar: 'كتب وقرطاسية', en: 'Books & Stationery', leaves: [
        { slug: 'books', ar: 'كتب', en: 'Books', style: 'single', goods: [g('ديوان نزار قباني', 'Nizar Qabbani poems', 40000), g('رواية عربية', 'Arabic novel', 35000), g('قاموس عربي إنكليزي', 'Arabic–English dictionary', 60000), g('كتاب طبخ شامي', 'Damascene cookbook', 50000)] },
        { slug: 'stationery', ar: 'قرطاسية', en: 'Stationery', style: 'pack', goods: [g('دفتر', 'Notebook', 5000), g('أقلام ملونة', 'Coloured pencils', 12000), g('قلم حبر', 'Ink pen', 4000)] },
      ] },
      { slug: 'flowers', ar: 'زهور', en: 'Flowers', leaves: [
        { slug: 'bouquets', ar: 'باقات', en: 'Bouquets', style: 'size', goods: [g('باقة ورد جوري', 'Damask rose bouquet', 100000), g('باقة ياسمين', 'Jasmine bouquet', 80000), g('باقة زنبق', 'Lily bouquet', 120000)] },
        { slug: 'plants', ar: 'نباتات', en: 'Plants', style: 'single', goods: [g('نبتة ياسمين', 'Jasmine plant', 45000), g('صبار', 'Cactus', 20000), g('نعناع في أصيص', 'Potted mint', 15000)] },
      ] },
    ],
  },
];

/** Which kinds of the tree a store of each kind (STORE_KINDS' English word) sells from. */
export const KINDS_BY_STORE_KIND: Record<string, string[]> = {
  Bakery: ['bakery'],
  Restaurant: ['meals', 'drinks'],
  Pharmacy: ['pharmacy'],
  Grocery: ['pantry', 'drinks', 'fresh-produce'],
  Sweets: ['sweets'],
  Butcher: ['meat'],
  'Café': ['drinks', 'sweets'],
  Greengrocer: ['fresh-produce'],
  Bookshop: ['books-and-stationery'],
  Florist: ['flowers'],
};
