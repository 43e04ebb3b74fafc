/**
 * Small curated word lists for the demo city, Arabic beside English. Damascus
 * neighbourhoods carry a real centre so stores and homes land in real streets.
 */
export interface Words { ar: string; en: string }

export const NEIGHBOURHOODS: (Words & { lat: number; lng: number })[] = [
  { ar: 'دمشق القديمة', en: 'Old City', lat: 33.5111, lng: 36.3064 },
  { ar: 'باب توما', en: 'Bab Touma', lat: 33.514, lng: 36.316 },
  { ar: 'القصاع', en: 'Qassaa', lat: 33.52, lng: 36.315 },
  { ar: 'أبو رمانة', en: 'Abu Rummaneh', lat: 33.517, lng: 36.283 },
  { ar: 'المالكي', en: 'Malki', lat: 33.521, lng: 36.278 },
  { ar: 'الشعلان', en: 'Shaalan', lat: 33.5155, lng: 36.289 },
  { ar: 'البرامكة', en: 'Baramkeh', lat: 33.508, lng: 36.29 },
  { ar: 'المزة', en: 'Mezzeh', lat: 33.503, lng: 36.253 },
  { ar: 'كفرسوسة', en: 'Kafr Souseh', lat: 33.496, lng: 36.27 },
  { ar: 'الميدان', en: 'Midan', lat: 33.494, lng: 36.3 },
  { ar: 'المهاجرين', en: 'Muhajireen', lat: 33.53, lng: 36.27 },
  { ar: 'الصالحية', en: 'Salhiyeh', lat: 33.527, lng: 36.29 },
  { ar: 'ركن الدين', en: 'Rukn al-Din', lat: 33.537, lng: 36.296 },
  { ar: 'جرمانا', en: 'Jaramana', lat: 33.486, lng: 36.345 },
  { ar: 'دمر', en: 'Dummar', lat: 33.533, lng: 36.227 },
];

export const STORE_KINDS: Words[] = [
  { ar: 'فرن', en: 'Bakery' },
  { ar: 'مطعم', en: 'Restaurant' },
  { ar: 'صيدلية', en: 'Pharmacy' },
  { ar: 'بقالية', en: 'Grocery' },
  { ar: 'حلويات', en: 'Sweets' },
  { ar: 'ملحمة', en: 'Butcher' },
  { ar: 'مقهى', en: 'Café' },
  { ar: 'خضار وفواكه', en: 'Greengrocer' },
  { ar: 'مكتبة', en: 'Bookshop' },
  { ar: 'زهور', en: 'Florist' },
];

export const STORE_NAMES: Words[] = [
  { ar: 'الشام', en: 'Al-Sham' },
  { ar: 'الياسمين', en: 'Jasmine' },
  { ar: 'بردى', en: 'Barada' },
  { ar: 'قاسيون', en: 'Qasioun' },
  { ar: 'الغوطة', en: 'Ghouta' },
  { ar: 'النعيم', en: 'Al-Naeem' },
  { ar: 'الأمير', en: 'Al-Amir' },
  { ar: 'الوردة', en: 'The Rose' },
  { ar: 'السلام', en: 'As-Salam' },
  { ar: 'الفيحاء', en: 'Al-Fayhaa' },
  { ar: 'الأندلس', en: 'Andalus' },
  { ar: 'النخيل', en: 'The Palms' },
];

export const STREETS: Words[] = [
  { ar: 'شارع بغداد', en: 'Baghdad Street' },
  { ar: 'شارع الثورة', en: 'Thawra Street' },
  { ar: 'شارع الحمراء', en: 'Hamra Street' },
  { ar: 'الشارع المستقيم', en: 'Straight Street' },
  { ar: 'شارع أبو رمانة', en: 'Abu Rummaneh Street' },
  { ar: 'شارع الجلاء', en: 'Jalaa Street' },
  { ar: 'شارع المتنبي', en: 'Mutanabbi Street' },
  { ar: 'شارع خالد بن الوليد', en: 'Khalid ibn al-Walid Street' },
  { ar: 'شارع النصر', en: 'Nasr Street' },
  { ar: 'شارع العابد', en: 'Abed Street' },
];

export const FIRST_NAMES: Words[] = [
  { ar: 'أحمد', en: 'Ahmad' }, { ar: 'ليلى', en: 'Layla' }, { ar: 'عمر', en: 'Omar' }, { ar: 'رنا', en: 'Rana' },
  { ar: 'خالد', en: 'Khaled' }, { ar: 'سارة', en: 'Sara' }, { ar: 'يوسف', en: 'Yousef' }, { ar: 'هبة', en: 'Hiba' },
  { ar: 'محمد', en: 'Mohammad' }, { ar: 'نور', en: 'Nour' }, { ar: 'سامر', en: 'Samer' }, { ar: 'ديما', en: 'Dima' },
];

export const LAST_NAMES: Words[] = [
  { ar: 'الحلبي', en: 'Al-Halabi' }, { ar: 'الشامي', en: 'Al-Shami' }, { ar: 'العلي', en: 'Al-Ali' },
  { ar: 'الخطيب', en: 'Al-Khatib' }, { ar: 'حداد', en: 'Haddad' }, { ar: 'المصري', en: 'Al-Masri' }, { ar: 'القباني', en: 'Qabbani' },
];

export const ADDRESS_LABELS: Words[] = [
  { ar: 'البيت', en: 'Home' },
  { ar: 'العمل', en: 'Work' },
  { ar: 'بيت الأهل', en: 'Parents' },
];

export const NOTES: Words[] = [
  { ar: 'الباب الأزرق', en: 'Blue door' },
  { ar: 'اقرع الجرس مرتين', en: 'Ring twice' },
  { ar: 'اترك الطلب عند الحارس', en: 'Leave it with the guard' },
  { ar: 'بجانب الصيدلية', en: 'Next to the pharmacy' },
];
